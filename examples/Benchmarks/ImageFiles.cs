using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Image files on disk for the benchmarks that start from files, as a user's pipeline does: Fashion-MNIST images written
/// as PNG files into a scratch folder, and the repository's real photos (examples/data/photos).
/// </summary>
internal static class ImageFiles
{
    private static readonly string[] Extensions = [".jpg", ".jpeg", ".png", ".bmp", ".gif"];

    /// <summary>One image file and its class name: the row type the benchmarks hand to LoadImages.</summary>
    public sealed class Row
    {
        public string ImagePath { get; set; } = string.Empty;

        public string Label { get; set; } = string.Empty;
    }

    /// <summary>Writes the first <paramref name="count"/> images of a split as 28x28 grey PNG files into <paramref name="folder"/>.</summary>
    public static IReadOnlyList<Row> WriteFashionMnist(FashionMnistIdx.Split split, int count, string folder)
    {
        Directory.CreateDirectory(folder);
        var rows = new List<Row>();
        for (int i = 0; i < Math.Min(count, split.Count); i++)
        {
            string name = $"{i:D5}.png";
            using (MLImage image = GreyImage.ToMLImage(split.Image(i), split.Width, split.Height))
            {
                image.Save(Path.Combine(folder, name));
            }

            rows.Add(new Row { ImagePath = name, Label = FashionMnistIdx.ClassNames[split.Labels[i]] });
        }

        return rows;
    }

    /// <summary>The photos under <paramref name="folder"/> (one subfolder per class), paths relative to it.</summary>
    public static IReadOnlyList<Row> Photos(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal)
            .Select(f => new Row { ImagePath = Path.GetRelativePath(folder, f), Label = Path.GetFileName(Path.GetDirectoryName(f)!) })
            .ToList();
}

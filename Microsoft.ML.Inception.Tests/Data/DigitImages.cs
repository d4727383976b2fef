using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Tests.Data;

/// <summary>
/// Real images for the tests: OpenCV's handwritten digits written once per test run as PNG files in a folder
/// per class, split by position within each class (the first <see cref="TrainPerClass"/> train, the next
/// <see cref="TestPerClass"/> are held out).
/// </summary>
internal static class DigitImages
{
    public const int TrainPerClass = 150;
    public const int TestPerClass = 20;
    private static readonly Lazy<DigitImageSet> Set = new(Write);

    public static string Folder => Set.Value.Folder;

    public static IReadOnlyList<ImageRow> Train => Set.Value.Train;

    public static IReadOnlyList<ImageRow> Test => Set.Value.Test;

    public static void Delete()
    {
        if (Set.IsValueCreated && Directory.Exists(Set.Value.Folder))
        {
            Directory.Delete(Set.Value.Folder, recursive: true);
        }
    }

    private static DigitImageSet Write()
    {
        string folder = Directory.CreateTempSubdirectory("inception-digits-").FullName;
        IReadOnlyList<OpenCvDigits.Digit> digits = OpenCvDigits.Load(OpenCvDigits.FindSheet(BuildMetadata.RepositoryRoot));
        var train = digits.Where(d => d.IndexInClass < TrainPerClass).ToList();
        var test = digits.Where(d => d.IndexInClass >= TrainPerClass && d.IndexInClass < TrainPerClass + TestPerClass).ToList();
        static List<ImageRow> Rows(IReadOnlyList<(string Path, string Label)> written) =>
            written.Select(w => new ImageRow { ImagePath = w.Path, Label = w.Label }).ToList();
        return new DigitImageSet(folder, Rows(OpenCvDigits.WriteImageFolder(train, folder)), Rows(OpenCvDigits.WriteImageFolder(test, folder)));
    }

    private sealed record DigitImageSet(string Folder, List<ImageRow> Train, List<ImageRow> Test);
}

/// <summary>A row of an image-folder dataset: the file (relative to the folder) and its class name.</summary>
public sealed class ImageRow
{
    public string ImagePath { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;
}

using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Tests.Data;

/// <summary>Writes digit images as colour PNGs (the grey value spread differently over R, G and B).</summary>
internal static class ColourDigits
{
    public static List<ImageRow> Write(IReadOnlyList<ImageRow> rows, string sourceFolder, string targetFolder)
    {
        var written = new List<ImageRow>();
        foreach (ImageRow row in rows)
        {
            using MLImage grey = MLImage.CreateFromFile(Path.Combine(sourceFolder, row.ImagePath));
            byte[] bgra = grey.Pixels.ToArray();
            for (int i = 0; i < bgra.Length; i += 4)
            {
                byte v = bgra[i];
                bgra[i] = (byte)(v / 2);             // blue
                bgra[i + 1] = (byte)(255 - v);       // green
                bgra[i + 2] = v;                     // red
            }

            string path = Path.Combine(targetFolder, row.ImagePath);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using MLImage colour = MLImage.CreateFromPixels(grey.Width, grey.Height, grey.PixelFormat, bgra);
            colour.Save(path);
            written.Add(new ImageRow { ImagePath = row.ImagePath, Label = row.Label });
        }

        return written;
    }
}

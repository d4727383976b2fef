using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// OpenCV's handwritten-digits sheet (examples/data/opencv-digits.png): 5,000 grey 20x20 digits,
/// 500 per class, digit d in cell rows 5d..5d+4 of a 100 x 50 grid.
/// </summary>
public static class OpenCvDigits
{
    /// <summary>Side of one digit cell in pixels.</summary>
    public const int CellSize = 20;

    /// <summary>Number of classes (the digits 0-9).</summary>
    public const int Classes = 10;

    /// <summary>Images per digit in the sheet.</summary>
    public const int PerClass = 500;

    private const int Columns = 100;

    /// <summary>Finds the sheet by walking up from <paramref name="start"/> to the repository's examples/data folder.</summary>
    /// <param name="start">A directory inside the repository (or the build output).</param>
    /// <returns>The full path of opencv-digits.png.</returns>
    public static string FindSheet(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "examples", "data", "opencv-digits.png");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"Could not find examples/data/opencv-digits.png above '{start}'.");
    }

    /// <summary>One digit: its grey pixels (row-major, 0-255), its label and its index within its class (0-499).</summary>
    /// <param name="Pixels">400 grey values, row-major.</param>
    /// <param name="Label">The digit, 0-9.</param>
    /// <param name="IndexInClass">Position among the 500 images of its digit, in sheet order.</param>
    public sealed record Digit(byte[] Pixels, int Label, int IndexInClass);

    /// <summary>Cuts the sheet into its 5,000 digits, in sheet order (all 0s first).</summary>
    /// <param name="sheetPath">Path of opencv-digits.png.</param>
    /// <returns>The digits.</returns>
    public static IReadOnlyList<Digit> Load(string sheetPath)
    {
        using MLImage sheet = MLImage.CreateFromFile(sheetPath);
        ReadOnlySpan<byte> bgra = sheet.Pixels;
        var digits = new List<Digit>(Classes * PerClass);
        for (int cell = 0; cell < Classes * PerClass; cell++)
        {
            int row = cell / Columns;
            int column = cell % Columns;
            var pixels = new byte[CellSize * CellSize];
            for (int y = 0; y < CellSize; y++)
            {
                for (int x = 0; x < CellSize; x++)
                {
                    // Grey image decoded as BGRA: every colour byte holds the grey value.
                    pixels[(y * CellSize) + x] = bgra[((((row * CellSize) + y) * sheet.Width) + (column * CellSize) + x) * 4];
                }
            }

            digits.Add(new Digit(pixels, row / 5, cell % PerClass));
        }

        return digits;
    }

    /// <summary>
    /// Writes digits as PNG files in a folder per class (<c>folder/3/0042.png</c>), the layout ML.NET's
    /// LoadImages and most image datasets use.
    /// </summary>
    /// <param name="digits">The digits to write.</param>
    /// <param name="folder">The root folder; created if missing.</param>
    /// <returns>(relative path, label name) per image, in the order given.</returns>
    public static IReadOnlyList<(string Path, string Label)> WriteImageFolder(IEnumerable<Digit> digits, string folder)
    {
        var written = new List<(string, string)>();
        foreach (Digit digit in digits)
        {
            string label = digit.Label.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string relative = Path.Combine(label, $"{digit.IndexInClass:D4}.png");
            string path = Path.Combine(folder, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using MLImage image = GreyImage.ToMLImage(digit.Pixels, CellSize, CellSize);
            image.Save(path);
            written.Add((relative, label));
        }

        return written;
    }
}

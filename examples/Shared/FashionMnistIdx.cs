using System.Buffers.Binary;
using System.IO.Compression;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// Reads Fashion-MNIST from its four gzipped IDX files: 28x28 grey images, one byte per pixel, and one byte per
/// label. An IDX file is a big-endian header (magic number, then one 32-bit count per dimension) and the values.
/// </summary>
internal static class FashionMnistIdx
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the full data set.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>The copy in this repository (full test set, a training subset), relative to the repository root.</summary>
    public const string RepositoryDirectory = "examples/data/fashion-mnist";

    public const string TrainSplit = "train";
    public const string TestSplit = "t10k";
    private const int ImageMagic = 0x00000803;
    private const int LabelMagic = 0x00000801;

    /// <summary>Class names in label order (label 0 is T-shirt/top).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Images of one split: <see cref="Count"/> x Height x Width bytes, row-major, and their labels.</summary>
    public sealed record Split(byte[] Pixels, byte[] Labels, int Height, int Width)
    {
        public int Count => Labels.Length;

        public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Height * Width, Height * Width);
    }

    /// <summary>True when <paramref name="directory"/> holds all four files.</summary>
    public static bool IsComplete(string directory) => MissingFiles(directory).Count == 0;

    /// <summary>The files of both splits that are not in <paramref name="directory"/>.</summary>
    public static IReadOnlyList<string> MissingFiles(string directory) =>
        new[] { TrainSplit, TestSplit }
            .SelectMany(split => new[] { ImagesPath(directory, split), LabelsPath(directory, split) })
            .Where(path => !File.Exists(path))
            .ToArray();

    /// <summary>
    /// The system copy when it is complete, else the repository's copy found by walking up from the current
    /// directory and from the program's directory; <see langword="null"/> when neither is there.
    /// </summary>
    public static (string Directory, bool IsSystemCopy)? Locate()
    {
        if (IsComplete(SystemDirectory))
        {
            return (SystemDirectory, true);
        }

        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, RepositoryDirectory);
                if (IsComplete(candidate))
                {
                    return (candidate, false);
                }
            }
        }

        return null;
    }

    /// <summary>Reads the first <paramref name="limit"/> images of a split ("train" or "t10k") with their labels.</summary>
    public static Split Load(string directory, string split, int limit = int.MaxValue)
    {
        int[] imageShape = ReadIdx(ImagesPath(directory, split), ImageMagic, 3, limit, out byte[] pixels);
        int[] labelShape = ReadIdx(LabelsPath(directory, split), LabelMagic, 1, limit, out byte[] labels);
        if (imageShape[0] != labelShape[0])
        {
            throw new InvalidDataException($"Fashion-MNIST split '{split}' has {imageShape[0]} images but {labelShape[0]} labels.");
        }

        byte max = labels.Length == 0 ? (byte)0 : labels.Max();
        if (max >= ClassNames.Count)
        {
            throw new InvalidDataException($"Fashion-MNIST split '{split}' has label {max}; expected 0-{ClassNames.Count - 1}.");
        }

        return new Split(pixels, labels, imageShape[1], imageShape[2]);
    }

    private static string ImagesPath(string directory, string split) => Path.Combine(directory, $"{split}-images-idx3-ubyte.gz");

    private static string LabelsPath(string directory, string split) => Path.Combine(directory, $"{split}-labels-idx1-ubyte.gz");

    /// <summary>Reads the header and the values of at most <paramref name="limit"/> items; returns the shape read.</summary>
    private static int[] ReadIdx(string path, int magic, int dimensions, int limit, out byte[] values)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        byte[] header = new byte[4 * (1 + dimensions)];
        gzip.ReadExactly(header);
        int found = BinaryPrimitives.ReadInt32BigEndian(header);
        if (found != magic)
        {
            throw new InvalidDataException($"{path} is not an IDX file of {dimensions} dimension(s) of bytes: magic number 0x{found:X8}, expected 0x{magic:X8}.");
        }

        int[] shape = Enumerable.Range(1, dimensions).Select(d => BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * d))).ToArray();
        shape[0] = Math.Min(shape[0], limit);
        values = new byte[checked(shape.Aggregate(1, (a, b) => a * b))];
        gzip.ReadExactly(values);
        return shape;
    }
}

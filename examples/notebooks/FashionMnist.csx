// Fashion-MNIST for the notebooks (loaded with #load after the references): the same data as examples/FashionMnist.
// Debian's dataset-fashion-mnist package (all 60,000 training images) when it is installed, otherwise the
// repository's copy in examples/data/fashion-mnist (the first 20,000 training images); both have the full
// 10,000-image test set. The gzipped IDX files are read into rows for ML.NET's LoadFromEnumerable.
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using Microsoft.ML;
using Microsoft.ML.Data;

/// <summary>One image: a planar 1 x size x size vector of pixel values 0-255, and its class name.</summary>
public sealed class FashionRow
{
    public float[] Image { get; set; } = [];

    public string Label { get; set; } = string.Empty;
}

/// <summary>A class name alone, for MapValueToKey's keyData.</summary>
public sealed class ClassName
{
    public string Label { get; set; } = string.Empty;
}

/// <summary>What a PredictionEngine returns after MapKeyToValue("PredictedLabel").</summary>
public sealed class FashionPrediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}

public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package installs the full data set.</summary>
    public const string SystemDirectory = "/usr/share/datasets/fashion-mnist";

    public const string TrainSplit = "train";
    public const string TestSplit = "t10k";

    /// <summary>Class names in label order (label 0 is T-shirt/top).</summary>
    public static readonly string[] ClassNames =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>28x28 grey images, row-major, one byte per pixel, and one label byte per image.</summary>
    public sealed record Split(byte[] Pixels, byte[] Labels)
    {
        public const int Side = 28;

        public int Count => Labels.Length;

        public ReadOnlySpan<byte> Image(int index) => Pixels.AsSpan(index * Side * Side, Side * Side);
    }

    /// <summary>The system copy when complete, else the repository's copy; says which.</summary>
    public static (string Directory, bool IsSystemCopy) Locate(string repositoryRoot)
    {
        if (IsComplete(SystemDirectory))
        {
            return (SystemDirectory, true);
        }

        string repositoryCopy = Path.Combine(repositoryRoot, "examples", "data", "fashion-mnist");
        if (IsComplete(repositoryCopy))
        {
            return (repositoryCopy, false);
        }

        throw new FileNotFoundException($"Fashion-MNIST not found: install the Debian package dataset-fashion-mnist ({SystemDirectory}) or restore {repositoryCopy}.");
    }

    /// <summary>Reads the first <paramref name="limit"/> images of a split ("train" or "t10k") and their labels.</summary>
    public static Split Load(string directory, string split, int limit = int.MaxValue)
    {
        byte[] pixels = ReadIdx(Path.Combine(directory, $"{split}-images-idx3-ubyte.gz"), 0x00000803, 3, limit);
        byte[] labels = ReadIdx(Path.Combine(directory, $"{split}-labels-idx1-ubyte.gz"), 0x00000801, 1, limit);
        if (pixels.Length != labels.Length * Split.Side * Split.Side)
        {
            throw new InvalidDataException($"Fashion-MNIST split '{split}' has {pixels.Length / (Split.Side * Split.Side)} images but {labels.Length} labels.");
        }

        return new Split(pixels, labels);
    }

    /// <summary>
    /// Image <paramref name="index"/> as a row of size x size pixels (at least 32, GoogLeNet's minimum). At 32 the
    /// 28x28 image is centred on a black border, as in examples/FashionMnist; larger sizes scale it by size/32
    /// (bilinear) first, so the border keeps the same share of the picture.
    /// </summary>
    public static FashionRow Row(Split split, int index, int size)
    {
        int inner = (int)Math.Round(Split.Side * size / 32.0);
        int offset = (size - inner) / 2;
        ReadOnlySpan<byte> source = split.Image(index);
        float[] image = new float[size * size];
        double step = (double)Split.Side / inner;
        for (int y = 0; y < inner; y++)
        {
            double sy = Math.Clamp(((y + 0.5) * step) - 0.5, 0, Split.Side - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, Split.Side - 1);
            double fy = sy - y0;
            for (int x = 0; x < inner; x++)
            {
                double sx = Math.Clamp(((x + 0.5) * step) - 0.5, 0, Split.Side - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, Split.Side - 1);
                double fx = sx - x0;
                double top = (source[(y0 * Split.Side) + x0] * (1 - fx)) + (source[(y0 * Split.Side) + x1] * fx);
                double bottom = (source[(y1 * Split.Side) + x0] * (1 - fx)) + (source[(y1 * Split.Side) + x1] * fx);
                image[((y + offset) * size) + x + offset] = (float)((top * (1 - fy)) + (bottom * fy));
            }
        }

        return new FashionRow { Image = image, Label = ClassNames[split.Labels[index]] };
    }

    /// <summary>Rows <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> - 1, made as ML.NET's cursor asks for them.</summary>
    public static IEnumerable<FashionRow> Rows(Split split, int size, int start = 0, int count = int.MaxValue)
    {
        int end = (int)Math.Min(split.Count, (long)start + count);
        for (int i = start; i < end; i++)
        {
            yield return Row(split, i, size);
        }
    }

    /// <summary>An IDataView of rows whose Image column has the 1 x size x size shape the estimator needs.</summary>
    public static IDataView DataView(MLContext ml, IEnumerable<FashionRow> rows, int size) =>
        ml.Data.LoadFromEnumerable(rows, Schema(size));

    public static SchemaDefinition Schema(int size)
    {
        SchemaDefinition schema = SchemaDefinition.Create(typeof(FashionRow));
        schema[nameof(FashionRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, size, size);
        return schema;
    }

    /// <summary>The class names as a data view, so MapValueToKey numbers the classes in label order.</summary>
    public static IDataView ClassKeys(MLContext ml) =>
        ml.Data.LoadFromEnumerable(ClassNames.Select(name => new ClassName { Label = name }));

    private static bool IsComplete(string directory) =>
        new[] { TrainSplit, TestSplit }.All(split =>
            File.Exists(Path.Combine(directory, $"{split}-images-idx3-ubyte.gz")) && File.Exists(Path.Combine(directory, $"{split}-labels-idx1-ubyte.gz")));

    // An IDX file: a big-endian header (magic number, then one 32-bit count per dimension), then the bytes.
    private static byte[] ReadIdx(string path, int magic, int dimensions, int limit)
    {
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        byte[] header = new byte[4 * (1 + dimensions)];
        gzip.ReadExactly(header);
        int found = BinaryPrimitives.ReadInt32BigEndian(header);
        if (found != magic)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"{path}: magic number 0x{found:X8}, expected 0x{magic:X8}."));
        }

        long items = Math.Min(BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4)), limit);
        long itemSize = 1;
        for (int d = 2; d <= dimensions; d++)
        {
            itemSize *= BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(4 * d));
        }

        byte[] values = new byte[checked(items * itemSize)];
        gzip.ReadExactly(values);
        return values;
    }
}

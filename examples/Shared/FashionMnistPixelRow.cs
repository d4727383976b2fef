using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// One Fashion-MNIST image for <c>LoadFromEnumerable</c>: the 28x28 image enlarged by the largest whole factor that fits
/// in size x size (each pixel repeated factor x factor times: 2x at 56 to 83) and centred on a zero background, as a
/// planar 1 x size x size vector of pixel values 0-255, and the class name. The vector's shape is set at run time
/// through <see cref="Schema"/>.
/// </summary>
internal sealed class PixelRow
{
    public float[] Image { get; set; } = [];

    public string Label { get; set; } = string.Empty;

    /// <summary>The schema that gives the Image column its 1 x size x size shape.</summary>
    public static SchemaDefinition Schema(int size)
    {
        SchemaDefinition schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 1, size, size);
        return schema;
    }

    /// <summary>Image <paramref name="index"/> of a split, enlarged by <see cref="Scale"/> and padded to size x size.</summary>
    public static PixelRow From(FashionMnistIdx.Split split, int index, int size)
    {
        int scale = Scale(split, size);
        int padTop = (size - (split.Height * scale)) / 2;
        int padLeft = (size - (split.Width * scale)) / 2;
        float[] image = new float[size * size];
        ReadOnlySpan<byte> source = split.Image(index);
        for (int y = 0; y < split.Height * scale; y++)
        {
            Span<float> target = image.AsSpan(((y + padTop) * size) + padLeft, split.Width * scale);
            ReadOnlySpan<byte> line = source.Slice(y / scale * split.Width, split.Width);
            for (int x = 0; x < target.Length; x++)
            {
                target[x] = line[x / scale];
            }
        }

        return new PixelRow { Image = image, Label = FashionMnistIdx.ClassNames[split.Labels[index]] };
    }

    /// <summary>The whole-number enlargement of the split's images in a size x size row: 1 up to twice their side, 2 up to three times, ...</summary>
    public static int Scale(FashionMnistIdx.Split split, int size) =>
        Math.Max(1, Math.Min(size / split.Height, size / split.Width));

    /// <summary>The rows of a split, made one at a time as ML.NET's cursor asks for them.</summary>
    public static IEnumerable<PixelRow> Enumerate(FashionMnistIdx.Split split, int size)
    {
        for (int i = 0; i < split.Count; i++)
        {
            yield return From(split, i, size);
        }
    }
}

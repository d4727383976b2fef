using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// One Fashion-MNIST image as ML.NET reads it with <c>LoadFromEnumerable</c>: the 28x28 image padded with two
/// zero pixels on every side to the 32x32 GoogLeNet needs at least, as a planar 1 x 32 x 32 vector of pixel
/// values 0-255, and the class name.
/// </summary>
internal sealed class FashionMnistRow
{
    public const int Size = 32;

    [VectorType(1, Size, Size)]
    public float[] Image { get; set; } = [];

    public string Label { get; set; } = string.Empty;

    /// <summary>The rows of a split, made one at a time as ML.NET's cursor asks for them (a fresh array per row).</summary>
    public static IEnumerable<FashionMnistRow> Enumerate(FashionMnist.Split split)
    {
        int padTop = (Size - split.Height) / 2;
        int padLeft = (Size - split.Width) / 2;
        for (int i = 0; i < split.Count; i++)
        {
            float[] image = new float[Size * Size];
            ReadOnlySpan<byte> source = split.Image(i);
            for (int y = 0; y < split.Height; y++)
            {
                Span<float> target = image.AsSpan(((y + padTop) * Size) + padLeft, split.Width);
                ReadOnlySpan<byte> line = source.Slice(y * split.Width, split.Width);
                for (int x = 0; x < line.Length; x++)
                {
                    target[x] = line[x];
                }
            }

            yield return new FashionMnistRow { Image = image, Label = FashionMnist.ClassNames[split.Labels[i]] };
        }
    }
}

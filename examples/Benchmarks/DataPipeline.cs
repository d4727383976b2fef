using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Images/s of the data pipeline alone: ML.NET's LoadImages (decode), ResizeImages and ExtractPixels (planar float
/// values), read with a cursor and copied into a float tensor one span per image, which is what Fit does with the
/// training images before its first epoch. No network runs.
/// </summary>
internal static class DataPipeline
{
    private const int ChunkRows = 256;

    public sealed record Case(string Source, string Folder, IReadOnlyList<ImageFiles.Row> Files, int Size);

    public sealed record Result(Case Case, int Images, double ImagesPerSecond);

    public static Result Measure(MLContext ml, Case c, int repeats)
    {
        IDataView files = ml.Data.LoadFromEnumerable(c.Files);
        IDataView pixels = ml.Transforms.LoadImages("Image", c.Folder, nameof(ImageFiles.Row.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", c.Size, c.Size))
            .Append(ml.Transforms.ExtractPixels("Pixels", "Image", ImagePixelExtractingEstimator.ColorBits.Rgb, interleavePixelColors: false, outputAsFloatArray: true))
            .Fit(files)
            .Transform(files);
        int perImage = 3 * c.Size * c.Size;
        double rate = Throughput.MedianImagesPerSecond(c.Files.Count, warmup: 0, repeats, () =>
        {
            int count = 0;
            using Tensor chunk = torch.empty([ChunkRows, 3, c.Size, c.Size], ScalarType.Float32);
            using DataViewRowCursor cursor = pixels.GetRowCursor([pixels.Schema["Pixels"]]);
            ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(pixels.Schema["Pixels"]);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                get(ref row);

                // The copy the estimator makes (ImageDataReader): one memory copy into the tensor's native memory.
                row.GetValues().CopyTo(MemoryMarshal.Cast<byte, float>(chunk.bytes).Slice(count++ % ChunkRows * perImage, perImage));
            }
        });
        return new Result(c, c.Files.Count, rate);
    }

    public static string Report(IReadOnlyList<Result> results)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| source | output | images per pass | images/s (LoadImages + ResizeImages + ExtractPixels + copy into a tensor) |");
        text.AppendLine("|---|---|---|---|");
        foreach (Result r in results)
        {
            text.AppendLine(c, $"| {r.Case.Source} | 3x{r.Case.Size}x{r.Case.Size} | {r.Images} | {r.ImagesPerSecond:F0} |");
        }

        return text.ToString();
    }
}

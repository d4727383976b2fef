using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// What a user serving one image at a time sees: the latency of <c>PredictionEngine.Predict</c> on a fitted pipeline
/// (LoadImages from a file, ResizeImages, then the model's stock ML.NET scoring chain: ExtractPixels, ApplyOnnxModel,
/// label head), its median and 95th percentile; and batch scoring with <c>Transform</c>: images/s and peak memory.
/// </summary>
internal static class ScoringLatency
{
    /// <summary>A model to fit (1 epoch: the weights do not change the cost of scoring) and score.</summary>
    public sealed record Case(int Size, double Width, int TrainImages, int Predictions);

    public sealed record Result(
        Case Case, int Channels, double MedianMilliseconds, double P95Milliseconds, int TransformImages, double TransformImagesPerSecond,
        double? RssBeforeMiB, double? PeakMiB);

    private sealed class Prediction
    {
        public float[] Score { get; set; } = [];

        public uint PredictedLabel { get; set; }
    }

    public static Result Measure(MLContext ml, string folder, IReadOnlyList<ImageFiles.Row> files, Case c)
    {
        IDataView train = ml.Data.LoadFromEnumerable(files.Take(c.TrainImages));
        IDataView all = ml.Data.LoadFromEnumerable(files);
        var options = new InceptionOptions
        {
            ImageColumnName = "Image",
            Epochs = 1,
            BatchSize = 16,
            WidthMultiplier = c.Width,
            RandomCrop = false,
            HorizontalFlip = false,
        };
        TransformerChain<InceptionTransformer> model = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", folder, nameof(ImageFiles.Row.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", c.Size, c.Size))
            .Append(ml.Transforms.Inception(options))
            .Fit(train);
        int channels = model.LastTransformer.Channels;

        using PredictionEngine<ImageFiles.Row, Prediction> engine = ml.Model.CreatePredictionEngine<ImageFiles.Row, Prediction>(model);
        for (int i = 0; i < 5; i++)
        {
            engine.Predict(files[i % files.Count]);
        }

        var latencies = new List<double>(c.Predictions);
        for (int i = 0; i < c.Predictions; i++)
        {
            ImageFiles.Row row = files[(c.TrainImages + i) % files.Count];
            var watch = Stopwatch.StartNew();
            engine.Predict(row);
            latencies.Add(watch.Elapsed.TotalMilliseconds);
        }

        latencies.Sort();
        double median = latencies[latencies.Count / 2];
        double p95 = latencies[Math.Min(latencies.Count - 1, (int)Math.Ceiling(0.95 * latencies.Count) - 1)];

        GC.Collect();
        double? before = ProcessMemory.ResidentMiB();
        ProcessMemory.ResetPeak();
        var transform = Stopwatch.StartNew();
        IDataView scored = model.Transform(all);
        int count = 0;
        using (DataViewRowCursor cursor = scored.GetRowCursor([scored.Schema["Score"]]))
        {
            ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(scored.Schema["Score"]);
            VBuffer<float> score = default;
            while (cursor.MoveNext())
            {
                get(ref score);
                count++;
            }
        }

        double rate = count / transform.Elapsed.TotalSeconds;
        return new Result(c, channels, median, p95, count, rate, before, ProcessMemory.PeakResidentMiB());
    }

    public static string Report(IReadOnlyList<Result> results)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| model | input | Predict median | Predict p95 | predictions | Transform images/s | images scored | RSS before Transform | peak RSS during Transform |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (Result r in results)
        {
            text.AppendLine(c, $"| width {r.Case.Width}, trained 1 epoch on {r.Case.TrainImages} images | {r.Channels}x{r.Case.Size}x{r.Case.Size} | {r.MedianMilliseconds:F2} ms | {r.P95Milliseconds:F2} ms | {r.Case.Predictions} | {r.TransformImagesPerSecond:F1} | {r.TransformImages} | {ProcessMemory.Format(r.RssBeforeMiB)} MiB | {ProcessMemory.Format(r.PeakMiB)} MiB |");
        }

        return text.ToString();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Memory of training through the ML.NET pipeline: resident set size (RSS) after each epoch, from the
/// <c>EpochCompleted</c> callback, and the peak over the whole Fit, for the full-width network at 224 px. Flat RSS from
/// epoch to epoch shows that every batch's tensors are freed (dispose scopes) and nothing accumulates.
/// </summary>
internal static class TrainingMemory
{
    public sealed record Case(int Size, double Width, int BatchSize, int Images, int Epochs);

    public sealed record Epoch(int Number, double? RssMiB, double ManagedMiB, double ImagesPerSecond, TimeSpan Elapsed);

    public sealed record Result(Case Case, int Channels, double? BeforeFitMiB, IReadOnlyList<Epoch> Epochs, double? PeakMiB, TimeSpan Fit);

    public static Result Measure(MLContext ml, string folder, IReadOnlyList<ImageFiles.Row> files, Case c)
    {
        IDataView train = ml.Data.LoadFromEnumerable(files.Take(c.Images));
        var epochs = new List<Epoch>();
        var options = new InceptionOptions
        {
            ImageColumnName = "Image",
            Epochs = c.Epochs,
            BatchSize = c.BatchSize,
            WidthMultiplier = c.Width,
            LearningRate = 0.01,
            EpochCompleted = m => epochs.Add(new Epoch(m.Epoch, ProcessMemory.ResidentMiB(), ProcessMemory.ManagedMiB(), m.ImagesPerSecond, m.Elapsed)),
        };
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", folder, nameof(ImageFiles.Row.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", c.Size, c.Size))
            .Append(ml.Transforms.Inception(options));
        GC.Collect();
        double? before = ProcessMemory.ResidentMiB();
        ProcessMemory.ResetPeak();
        var watch = Stopwatch.StartNew();
        TransformerChain<InceptionTransformer> model = pipeline.Fit(train);
        TimeSpan fit = watch.Elapsed;
        double? peak = ProcessMemory.PeakResidentMiB();
        return new Result(c, model.LastTransformer.Channels, before, epochs, peak, fit);
    }

    public static string Report(Result r)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"TorchVision variant, width {r.Case.Width}, {r.Channels}x{r.Case.Size}x{r.Case.Size}, batch {r.Case.BatchSize}, {r.Case.Images} Fashion-MNIST PNG files read by LoadImages and upscaled by ResizeImages, {r.Case.Epochs} epochs (auxiliary heads, random crop and flip on), Fit {r.Fit.TotalSeconds:F0} s. RSS before Fit {ProcessMemory.Format(r.BeforeFitMiB)} MiB; **peak RSS during Fit {ProcessMemory.Format(r.PeakMiB)} MiB** (VmHWM, reset just before Fit).").AppendLine();
        text.AppendLine("| epoch | RSS after the epoch | change from epoch 2 | .NET heap | images/s | epoch time |");
        text.AppendLine("|---|---|---|---|---|---|");
        double? second = r.Epochs.Count > 1 ? r.Epochs[1].RssMiB : null;
        foreach (Epoch e in r.Epochs)
        {
            string change = second is double s && e.RssMiB is double v && e.Number > 1 ? ((v - s) / s).ToString("+0.0%;-0.0%;0.0%", c) : "";
            text.AppendLine(c, $"| {e.Number} | {ProcessMemory.Format(e.RssMiB)} MiB | {change} | {e.ManagedMiB:F0} MiB | {e.ImagesPerSecond:F1} | {e.Elapsed.TotalSeconds:F1} s |");
        }

        return text.ToString();
    }
}

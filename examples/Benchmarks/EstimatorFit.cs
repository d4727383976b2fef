using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Wall time, throughput, accuracy and memory of <c>Fit</c> of a whole ML.NET pipeline (MapValueToKey, then
/// Inception) on Fashion-MNIST, and of scoring the full test set through the fitted model. Fit's wall time is
/// split into the training epochs (the sum of their <see cref="InceptionEpochMetrics.Elapsed"/>) and the rest:
/// reading the data into tensors before the first epoch, and the ONNX export and scoring chain after the last.
/// </summary>
internal static class EstimatorFit
{
    /// <summary>The 28x28 images are padded to the 32x32 GoogLeNet needs at least.</summary>
    private const int PaddedSize = 32;

    /// <summary>The message the estimator logs once the training images are in memory, just before training.</summary>
    private const string ReadCompleteMessage = "Training GoogLeNet (";

    public sealed record Case(int Train, int Epochs, double Width, int BatchSize, double LearningRate);

    /// <summary>
    /// One epoch's metrics, when in Fit its callback ran, the process RSS and .NET heap then, and the cores other
    /// processes kept busy on average since the previous callback (or the start of Fit).
    /// </summary>
    public sealed record Epoch(InceptionEpochMetrics Metrics, TimeSpan CompletedAt, double? ResidentMiB, double ManagedMiB, double? OtherCores);

    public sealed record Result(
        Case Case,
        int TrainImages,
        int TestImages,
        TimeSpan Fit,
        TimeSpan? DataRead,
        IReadOnlyList<Epoch> Epochs,
        TimeSpan Scoring,
        MulticlassClassificationMetrics Test,
        double? ResidentBeforeFitMiB,
        double ManagedBeforeFitMiB,
        double? ResidentAfterFitMiB,
        double ManagedAfterFitMiB,
        double? ResidentAfterFitAndGcMiB,
        double ManagedLiveAfterFitMiB,
        double ManagedCommittedAfterFitMiB,
        double? PeakDuringFitMiB,
        double? ResidentAtEndMiB,
        double? PeakAtEndMiB,
        bool PeakWasReset,
        TimeSpan FitProcessorTime,
        TimeSpan? FitMachineBusyTime)
    {
        public TimeSpan EpochTotal => Epochs.Aggregate(TimeSpan.Zero, (sum, e) => sum + e.Metrics.Elapsed);

        public TimeSpan BeforeFirstEpoch => Epochs.Count == 0 ? Fit : Epochs[0].CompletedAt - Epochs[0].Metrics.Elapsed;

        public TimeSpan AfterLastEpoch => Epochs.Count == 0 ? TimeSpan.Zero : Fit - Epochs[^1].CompletedAt;
    }

    public static Result Measure(Case c, FashionMnistIdx.Split train, FashionMnistIdx.Split test)
    {
        var mlContext = new MLContext(seed: 1);
        var fitWatch = new Stopwatch();
        TimeSpan? dataRead = null;
        mlContext.Log += (_, e) =>
        {
            if (dataRead is null && e.Message.Contains(ReadCompleteMessage, StringComparison.Ordinal))
            {
                dataRead = fitWatch.Elapsed;
            }
        };

        var epochs = new List<Epoch>();
        using var process = Process.GetCurrentProcess();
        (TimeSpan At, TimeSpan Own, TimeSpan? Busy) mark = default;
        (TimeSpan At, TimeSpan Own, TimeSpan? Busy) Mark()
        {
            process.Refresh();
            return (fitWatch.Elapsed, process.TotalProcessorTime, SystemCpu.BusyTime());
        }

        var options = new InceptionOptions
        {
            Epochs = c.Epochs,
            BatchSize = c.BatchSize,
            WidthMultiplier = c.Width,
            LearningRate = c.LearningRate,
            HorizontalFlip = true,
            RandomCrop = true,
            EpochCompleted = m =>
            {
                double? rss = ProcessMemory.ResidentMiB();
                double managed = ProcessMemory.ManagedMiB();
                var now = Mark();
                double? others = now.Busy - mark.Busy is TimeSpan busy
                    ? Math.Max(0, (busy - (now.Own - mark.Own)).TotalSeconds) / (now.At - mark.At).TotalSeconds
                    : null;
                mark = now;
                epochs.Add(new Epoch(m, now.At, rss, managed, others));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  epoch {m.Epoch}/{c.Epochs}: loss {m.TrainingLoss:F4}, training accuracy {m.TrainingAccuracy:P2}, {m.ImagesPerSecond:F1} images/s, {m.Elapsed.TotalSeconds:F1} s, RSS {ProcessMemory.Format(rss)} MiB (.NET heap {managed:F0} MiB), other processes {others:F2} cores"));
            },
        };

        IDataView trainData = mlContext.Data.LoadFromEnumerable(PixelRow.Enumerate(train, PaddedSize), PixelRow.Schema(PaddedSize));
        IDataView testData = mlContext.Data.LoadFromEnumerable(PixelRow.Enumerate(test, PaddedSize), PixelRow.Schema(PaddedSize));
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.Inception(options));

        GC.Collect();
        GC.WaitForPendingFinalizers();
        double? residentBeforeFit = ProcessMemory.ResidentMiB();
        double managedBeforeFit = ProcessMemory.ManagedMiB();
        bool peakReset = ProcessMemory.ResetPeak();
        mark = Mark();
        (TimeSpan _, TimeSpan processorBefore, TimeSpan? busyBefore) = mark;
        fitWatch.Start();
        var model = pipeline.Fit(trainData);
        fitWatch.Stop();
        process.Refresh();
        TimeSpan fitProcessorTime = process.TotalProcessorTime - processorBefore;
        TimeSpan? fitMachineBusy = SystemCpu.BusyTime() - busyBefore;
        double? residentAfterFit = ProcessMemory.ResidentMiB();
        double? peakDuringFit = ProcessMemory.PeakResidentMiB();
        double managedAfterFit = ProcessMemory.ManagedMiB();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        double? residentAfterFitAndGc = ProcessMemory.ResidentMiB();
        double managedLiveAfterFit = ProcessMemory.ManagedMiB();
        double managedCommittedAfterFit = ProcessMemory.ManagedCommittedMiB();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  Fit: {fitWatch.Elapsed.TotalSeconds:F1} s; scoring the {test.Count} test images..."));

        var scoringWatch = Stopwatch.StartNew();
        MulticlassClassificationMetrics metrics = mlContext.MulticlassClassification.Evaluate(model.Transform(testData));
        scoringWatch.Stop();

        return new Result(
            c,
            train.Count,
            test.Count,
            fitWatch.Elapsed,
            dataRead,
            epochs,
            scoringWatch.Elapsed,
            metrics,
            residentBeforeFit,
            managedBeforeFit,
            residentAfterFit,
            managedAfterFit,
            residentAfterFitAndGc,
            managedLiveAfterFit,
            managedCommittedAfterFit,
            peakDuringFit,
            ProcessMemory.ResidentMiB(),
            ProcessMemory.PeakResidentMiB(),
            peakReset,
            fitProcessorTime,
            fitMachineBusy);
    }

    public static string Report(Result r, string command, int threads)
    {
        var c = CultureInfo.InvariantCulture;
        double fit = r.Fit.TotalSeconds;
        string Share(TimeSpan part) => (part.TotalSeconds / fit).ToString("P1", c);
        var text = new StringBuilder();
        text.AppendLine(c, $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `{command}` ({threads} intra-op threads, Microsoft.ML.Inception {MachineDescription.LibraryVersion()}); every figure below is from that one run.").AppendLine();
        text.AppendLine(c, $"Fashion-MNIST (Debian package dataset-fashion-mnist): the first {r.TrainImages:N0} of the 60,000 training images, each 28x28 grey image padded with 2 zero pixels on every side to 32x32 and handed to ML.NET as a 1x32x32 float vector (pixel values 0-255) through `LoadFromEnumerable`, rows made as the cursor reads them. Pipeline `MapValueToKey(\"Label\")` then `Inception` (TorchVision variant, width {r.Case.Width}, batch {r.Case.BatchSize}, SGD with momentum 0.9, peak learning rate {r.Case.LearningRate} with the cosine schedule, weight decay 5e-4, auxiliary losses 0.3, random crop and horizontal flip; `new MLContext(seed: 1)`). Test accuracy is `MulticlassClassification.Evaluate(model.Transform(test))` on all {r.TestImages:N0} test images, scored through the fitted model's ONNX chain.").AppendLine();

        text.AppendLine("| training images | epochs | width | Fit wall time | sum of epoch times | outside the epochs | test accuracy (micro) | test accuracy (macro) | test log-loss | scoring images/s |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        TimeSpan outside = r.Fit - r.EpochTotal;
        text.AppendLine(c, $"| {r.TrainImages} | {r.Epochs.Count} | {r.Case.Width} | {fit:F1} s | {r.EpochTotal.TotalSeconds:F1} s | {outside.TotalSeconds:F1} s ({Share(outside)}) | {r.Test.MicroAccuracy:P2} | {r.Test.MacroAccuracy:P2} | {r.Test.LogLoss:F4} | {r.TestImages / r.Scoring.TotalSeconds:F1} |");
        text.AppendLine();
        string others = r.FitMachineBusyTime is TimeSpan busy
            ? string.Create(c, $"; all other processes together used {Math.Max(0, (busy - r.FitProcessorTime).TotalSeconds) / fit:F2} cores on average (/proc/stat), and libtorch slows down a lot when they compete for the cores")
            : string.Empty;
        text.AppendLine(c, $"During Fit this process used {r.FitProcessorTime.TotalSeconds:F1} s of CPU time, {r.FitProcessorTime.TotalSeconds / fit:F2} of the {Environment.ProcessorCount} cores on average{others}.").AppendLine();

        text.AppendLine("Where Fit's wall time went (times from a stopwatch around `Fit`, the `EpochCompleted` callbacks and the estimator's log line before training):").AppendLine();
        text.AppendLine("| part of Fit | seconds | share of Fit |");
        text.AppendLine("|---|---|---|");
        if (r.DataRead is TimeSpan read)
        {
            text.AppendLine(c, $"| before the first epoch: MapValueToKey and reading the images into a tensor (until the estimator logs 'Training GoogLeNet') | {read.TotalSeconds:F1} | {Share(read)} |");
            TimeSpan setup = r.BeforeFirstEpoch - read;
            text.AppendLine(c, $"| before the first epoch: normalisation statistics and building the network | {setup.TotalSeconds:F1} | {Share(setup)} |");
        }
        else
        {
            text.AppendLine(c, $"| before the first epoch: MapValueToKey, reading the images, normalisation statistics, building the network | {r.BeforeFirstEpoch.TotalSeconds:F1} | {Share(r.BeforeFirstEpoch)} |");
        }

        text.AppendLine(c, $"| training epochs (sum of `Elapsed`) | {r.EpochTotal.TotalSeconds:F1} | {Share(r.EpochTotal)} |");
        TimeSpan between = r.Fit - r.BeforeFirstEpoch - r.EpochTotal - r.AfterLastEpoch;
        text.AppendLine(c, $"| between epochs (bookkeeping, callbacks) | {between.TotalSeconds:F1} | {Share(between)} |");
        text.AppendLine(c, $"| after the last epoch: the model's checkpoint (weights, optimiser state), ONNX export, label head, scoring chain (ONNX Runtime session) | {r.AfterLastEpoch.TotalSeconds:F1} | {Share(r.AfterLastEpoch)} |");
        text.AppendLine();

        text.AppendLine("| epoch | training loss | training accuracy (augmented) | learning rate at the end | images/s | epoch time | RSS after the epoch | .NET heap then | cores other processes used |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (Epoch e in r.Epochs)
        {
            InceptionEpochMetrics m = e.Metrics;
            text.AppendLine(c, $"| {m.Epoch} | {m.TrainingLoss:F4} | {m.TrainingAccuracy:P2} | {m.LearningRate:G3} | {m.ImagesPerSecond:F1} | {m.Elapsed.TotalSeconds:F1} s | {ProcessMemory.Format(e.ResidentMiB)} MiB | {e.ManagedMiB:F0} MiB | {(e.OtherCores is double o ? o.ToString("F2", c) : "n/a")} |");
        }

        text.AppendLine();
        string peakScope = r.PeakWasReset ? "reset just before Fit" : "since the process started (the kernel refused a reset)";
        text.AppendLine(c, $"Memory (VmRSS and VmHWM of /proc/self/status, MiB; includes libtorch's and ONNX Runtime's native memory): {ProcessMemory.Format(r.ResidentBeforeFitMiB)} before Fit ({r.ManagedBeforeFitMiB:F0} on the .NET heap; training and test images loaded as bytes, .NET and libtorch initialised), {ProcessMemory.Format(r.ResidentAfterFitMiB)} after Fit ({r.ManagedAfterFitMiB:F0} of them on the .NET heap, garbage included), {ProcessMemory.Format(r.ResidentAfterFitAndGcMiB)} after a full garbage collection (.NET heap: {r.ManagedLiveAfterFitMiB:F0} live, {r.ManagedCommittedAfterFitMiB:F0} committed), peak {ProcessMemory.Format(r.PeakDuringFitMiB)} during Fit (VmHWM {peakScope}); {ProcessMemory.Format(r.ResidentAtEndMiB)} after scoring the test set, peak {ProcessMemory.Format(r.PeakAtEndMiB)} over Fit and scoring.");
        return text.ToString();
    }
}

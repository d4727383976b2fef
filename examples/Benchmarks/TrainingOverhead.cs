using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Inception.Samples;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// What the ML.NET estimator costs on top of the network: images/s of <c>Fit</c> of a pipeline ending in
/// <c>Transforms.Inception</c> next to a bare TorchSharp loop that trains the same GoogLeNet (same options, optimiser,
/// loss, batch size, images and thread count) on the images already normalised in one float tensor.
/// </summary>
internal static class TrainingOverhead
{
    public sealed record Case(int Size, int Images, int Epochs, double Width, int BatchSize);

    /// <summary>Images/s of a run over all its epochs, over epochs 2+ (the first is warm-up), and over its whole wall time.</summary>
    public sealed record Run(IReadOnlyList<TimeSpan> EpochTimes, TimeSpan Whole, int Images)
    {
        public double SteadyImagesPerSecond =>
            Images * (EpochTimes.Count - 1) / EpochTimes.Skip(1).Sum(t => t.TotalSeconds);

        public double WholeImagesPerSecond => Images * EpochTimes.Count / Whole.TotalSeconds;

        public TimeSpan EpochTotal => EpochTimes.Aggregate(TimeSpan.Zero, (sum, t) => sum + t);
    }

    /// <summary>One Fit of the estimator: its epochs, and the time before its first epoch and after its last.</summary>
    public sealed record EstimatorRun(Run Run, TimeSpan BeforeFirstEpoch, TimeSpan AfterLastEpoch);

    /// <summary>
    /// The estimator's runs and the bare loop's runs, alternated (bare, estimator, bare, ..., bare) so that drift of the
    /// machine hits both sides alike, and the time the bare loop's tensor took to build (not part of its figures).
    /// </summary>
    public sealed record Result(Case Case, IReadOnlyList<EstimatorRun> Estimator, IReadOnlyList<Run> Bare, TimeSpan TensorBuild)
    {
        /// <summary>Epochs 2+ of all estimator runs pooled: their images over their summed time.</summary>
        public double EstimatorSteadyImagesPerSecond => Steady(Estimator.Select(e => e.Run));

        /// <summary>All estimator runs pooled over the wall time of their Fit calls.</summary>
        public double EstimatorWholeImagesPerSecond => Whole(Estimator.Select(e => e.Run));

        /// <summary>Epochs 2+ of all bare runs pooled.</summary>
        public double BareSteadyImagesPerSecond => Steady(Bare);

        /// <summary>All epochs of all bare runs pooled, network construction included.</summary>
        public double BareWholeImagesPerSecond => Whole(Bare);

        private static double Steady(IEnumerable<Run> runs) =>
            runs.Sum(r => (double)r.Images * (r.EpochTimes.Count - 1)) / runs.Sum(r => r.EpochTimes.Skip(1).Sum(t => t.TotalSeconds));

        private static double Whole(IEnumerable<Run> runs) =>
            runs.Sum(r => (double)r.Images * r.EpochTimes.Count) / runs.Sum(r => r.Whole.TotalSeconds);
    }

    /// <param name="rounds">How many estimator runs, each between two bare runs.</param>
    public static Result Measure(Case c, FashionMnistIdx.Split split, int rounds)
    {
        var bare = new List<Run>();
        var estimator = new List<EstimatorRun>();
        TimeSpan build = TimeSpan.Zero;
        void Bare()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            (Run run, build) = MeasureBare(c, split);
            bare.Add(run);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  bare loop: epochs 2+ {run.SteadyImagesPerSecond:F1} images/s, all epochs {run.WholeImagesPerSecond:F1} images/s ({run.Whole.TotalSeconds:F1} s; tensor built in {build.TotalSeconds:F1} s)"));
        }

        Bare();
        for (int round = 0; round < rounds; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            EstimatorRun e = MeasureEstimator(c, split);
            estimator.Add(e);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  estimator: epochs 2+ {e.Run.SteadyImagesPerSecond:F1} images/s, whole Fit {e.Run.WholeImagesPerSecond:F1} images/s ({e.Run.Whole.TotalSeconds:F1} s, {e.BeforeFirstEpoch.TotalSeconds:F1} s before the first epoch, {e.AfterLastEpoch.TotalSeconds:F1} s after the last)"));
            Bare();
        }

        return new Result(c, estimator, bare, build);
    }

    private static EstimatorRun MeasureEstimator(Case c, FashionMnistIdx.Split split)
    {
        var mlContext = new MLContext(seed: 1);
        var watch = new Stopwatch();
        var epochs = new List<(TimeSpan Elapsed, TimeSpan CompletedAt)>();
        var options = new InceptionOptions
        {
            Epochs = c.Epochs,
            BatchSize = c.BatchSize,
            WidthMultiplier = c.Width,
            Variant = GoogLeNetVariant.TorchVision,
            RandomCrop = false,
            HorizontalFlip = false,
            ValidationFraction = 0,
            EpochCompleted = m =>
            {
                epochs.Add((m.Elapsed, watch.Elapsed));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"    estimator epoch {m.Epoch}/{c.Epochs}: {m.ImagesPerSecond:F1} images/s, {m.Elapsed.TotalSeconds:F1} s, loss {m.TrainingLoss:F4}"));
            },
        };

        IDataView data = mlContext.Data.LoadFromEnumerable(PixelRow.Enumerate(split, c.Size), PixelRow.Schema(c.Size));
        var pipeline = mlContext.Transforms.Conversion.MapValueToKey("Label")
            .Append(mlContext.Transforms.Inception(options));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        watch.Start();
        var model = pipeline.Fit(data);
        watch.Stop();
        (model as IDisposable)?.Dispose();
        TimeSpan before = epochs[0].CompletedAt - epochs[0].Elapsed;
        TimeSpan after = watch.Elapsed - epochs[^1].CompletedAt;
        return new EstimatorRun(new Run(epochs.Select(e => e.Elapsed).ToArray(), watch.Elapsed, split.Count), before, after);
    }

    /// <summary>
    /// The same network and optimiser as the estimator builds (TorchVision variant, 1 input channel, auxiliary heads
    /// weighted 0.3, default dropout, SGD momentum 0.9, learning rate 0.05, weight decay 5e-4), trained on sequential
    /// batches of one pre-normalised float tensor: no shuffling, no per-batch conversion, no metrics, constant learning rate.
    /// </summary>
    private static (Run Run, TimeSpan TensorBuild) MeasureBare(Case c, FashionMnistIdx.Split split)
    {
        var defaults = new InceptionOptions();
        var buildWatch = Stopwatch.StartNew();
        int pixels = c.Size * c.Size;
        float[] buffer = new float[split.Count * pixels];
        long[] labelValues = new long[split.Count];
        for (int i = 0; i < split.Count; i++)
        {
            PixelRow.From(split, i, c.Size).Image.CopyTo(buffer, i * pixels);
            labelValues[i] = split.Labels[i];
        }

        using Tensor raw = torch.tensor(buffer, [split.Count, 1, c.Size, c.Size]);
        float mean = raw.mean().item<float>();
        float std = raw.std().item<float>();
        using Tensor images = (raw - mean) / std;
        using Tensor labels = torch.tensor(labelValues);
        buildWatch.Stop();

        var watch = Stopwatch.StartNew();
        torch.manual_seed(1);
        using var network = new GoogLeNet(new GoogLeNetOptions
        {
            NumberOfClasses = labelValues.Distinct().Count(),
            InputChannels = 1,
            Variant = GoogLeNetVariant.TorchVision,
            WidthMultiplier = c.Width,
            AuxiliaryClassifiers = defaults.AuxiliaryLossWeight > 0,
        });
        using optim.Optimizer optimizer = optim.SGD(network.parameters(), defaults.LearningRate, momentum: defaults.Momentum, weight_decay: defaults.WeightDecay);
        network.train();
        var epochTimes = new List<TimeSpan>();
        for (int epoch = 1; epoch <= c.Epochs; epoch++)
        {
            var epochWatch = Stopwatch.StartNew();
            for (int start = 0; start < split.Count; start += c.BatchSize)
            {
                using var scope = torch.NewDisposeScope();
                int count = Math.Min(c.BatchSize, split.Count - start);
                Tensor batch = images.narrow(0, start, count);
                Tensor target = labels.narrow(0, start, count);
                GoogLeNetOutput output = network.ForwardWithAuxiliary(batch);
                Tensor loss = nn.functional.cross_entropy(output.Logits, target);
                if (output.Auxiliary1 is not null && output.Auxiliary2 is not null)
                {
                    loss = loss + (defaults.AuxiliaryLossWeight * (nn.functional.cross_entropy(output.Auxiliary1, target) + nn.functional.cross_entropy(output.Auxiliary2, target)));
                }

                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
            }

            epochTimes.Add(epochWatch.Elapsed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    bare epoch {epoch}/{c.Epochs}: {split.Count / epochWatch.Elapsed.TotalSeconds:F1} images/s, {epochWatch.Elapsed.TotalSeconds:F1} s"));
        }

        watch.Stop();
        return (new Run(epochTimes, watch.Elapsed, split.Count), buildWatch.Elapsed);
    }

    public static string Report(IReadOnlyList<Result> results, string command, int threads)
    {
        var c = CultureInfo.InvariantCulture;
        Case first = results[0].Case;
        var text = new StringBuilder();
        text.AppendLine(c, $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `{command}` ({threads} intra-op threads for both, Microsoft.ML.Inception {MachineDescription.LibraryVersion()}); every figure below is from that one run.").AppendLine();
        text.AppendLine(c, $"Both sides train the same network on the same images: the first N Fashion-MNIST training images (Debian package dataset-fashion-mnist), each 28x28 grey image centred on a zero background of size x size (padded, not upscaled), one channel; TorchVision variant, width {first.Width} at every size, batch {first.BatchSize}, {first.Epochs} epochs, auxiliary heads on with loss weight 0.3 (the default), dropout 0.2, SGD with momentum 0.9, learning rate 0.05, weight decay 5e-4, cross-entropy.").AppendLine();
        text.AppendLine("- **Estimator**: `Fit` of `MapValueToKey(\"Label\")` then `Transforms.Inception` (RandomCrop and HorizontalFlip off, ValidationFraction 0, cosine schedule, `new MLContext(seed: 1)`) on `LoadFromEnumerable` rows of 1 x size x size float vectors (pixel values 0-255). *Epochs 2+* is images / sum of `InceptionEpochMetrics.Elapsed` of epochs 2 onwards (epoch 1 is warm-up): per batch, index_select of a shuffled index from the float image tensor, normalisation, forward with both auxiliary heads, loss, `loss.item()`, backward, step, accuracy count. *Whole Fit* is all epochs' images / the wall time of `Fit`, which adds reading the rows into a tensor, normalisation statistics and building the network before the first epoch, and the checkpoint, ONNX export and scoring chain after the last.");
        text.AppendLine("- **Bare loop**: `new GoogLeNet(new GoogLeNetOptions{...})` from the library and `optim.SGD` in a plain loop over sequential batches (`narrow`, no shuffling) of one tensor already normalised, forward with auxiliary heads, loss, backward, step, each step in `torch.NewDisposeScope()`; constant learning rate, no `item()`, no metrics. *Epochs 2+* as above; *all epochs* is the wall time from building the network to the last step. Building its tensor from the images (time in the last column) is not counted. The runs alternate, bare loop first and last (bare, estimator, bare, estimator, bare), and each side's figures pool all its runs (images over summed time), so that drift of the machine during the run hits both sides alike.").AppendLine();
        text.AppendLine("| size | images x epochs | estimator epochs 2+ images/s | bare epochs 2+ images/s | ratio epochs 2+ (estimator / bare) | estimator whole Fit images/s | bare all epochs images/s | ratio whole (estimator / bare) | Fit: before first epoch / after last | bare tensor build |");
        text.AppendLine("|---|---|---|---|---|---|---|---|---|---|");
        foreach (Result r in results)
        {
            double steadyRatio = r.EstimatorSteadyImagesPerSecond / r.BareSteadyImagesPerSecond;
            double wholeRatio = r.EstimatorWholeImagesPerSecond / r.BareWholeImagesPerSecond;
            string before = string.Join(", ", r.Estimator.Select(e => e.BeforeFirstEpoch.TotalSeconds.ToString("F1", c)));
            string after = string.Join(", ", r.Estimator.Select(e => e.AfterLastEpoch.TotalSeconds.ToString("F1", c)));
            text.AppendLine(c, $"| {r.Case.Size}x{r.Case.Size} | {r.Case.Images} x {r.Case.Epochs} | {r.EstimatorSteadyImagesPerSecond:F1} | {r.BareSteadyImagesPerSecond:F1} | {steadyRatio:F3} | {r.EstimatorWholeImagesPerSecond:F1} | {r.BareWholeImagesPerSecond:F1} | {wholeRatio:F3} | {before} s / {after} s | {r.TensorBuild.TotalSeconds:F1} s |");
        }

        text.AppendLine();
        text.AppendLine("Epochs 2+ images/s of every run, in the order they ran; the spread between the bare runs shows how much this machine's throughput drifts within minutes:").AppendLine();
        text.AppendLine("| size | runs (B = bare loop, E = estimator) |");
        text.AppendLine("|---|---|");
        foreach (Result r in results)
        {
            var order = new List<string>();
            for (int i = 0; i < r.Bare.Count; i++)
            {
                order.Add(string.Create(c, $"B {r.Bare[i].SteadyImagesPerSecond:F1}"));
                if (i < r.Estimator.Count)
                {
                    order.Add(string.Create(c, $"E {r.Estimator[i].Run.SteadyImagesPerSecond:F1}"));
                }
            }

            text.AppendLine(c, $"| {r.Case.Size}x{r.Case.Size} | {string.Join(", ", order)} |");
        }

        return text.ToString();
    }
}

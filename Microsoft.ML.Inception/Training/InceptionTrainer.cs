using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// The training loop: mini-batch SGD (or AdamW) on GoogLeNet with the main and auxiliary losses, a learning-rate
/// schedule, augmentation, per-epoch validation, early stopping that keeps the best weights, progress
/// reporting, cancellation and divergence detection. Every batch runs in its own dispose scope.
/// </summary>
internal sealed class InceptionTrainer
{
    private const int EvaluationBatchSize = 256;

    /// <summary>A loss this many times its first value has diverged: gradients that overflow with it are the learning rate's doing.</summary>
    private const float DivergedLossFactor = 10;
    private readonly InceptionOptions options;
    private readonly IChannel channel;
    private readonly int seed;
    private readonly FitCancellation cancellation;
    private readonly TrainingProgress progress;

    public InceptionTrainer(InceptionOptions options, IChannel channel, int seed, FitCancellation cancellation, TrainingProgress progress)
    {
        this.options = options;
        this.channel = channel;
        this.seed = seed;
        this.cancellation = cancellation;
        this.progress = progress;
    }

    /// <param name="train">The training images.</param>
    /// <param name="validation">The validation images, or null.</param>
    /// <param name="classCount">The number of classes (keys of the label).</param>
    /// <param name="resume">The checkpoint training goes on from, or null.</param>
    /// <param name="resumedRows">The checkpoint's classifier row of each key, when the data number its classes in another order; otherwise null.</param>
    /// <param name="pretrained">The weights training starts from, or null.</param>
    public TrainedNetwork Train(LabeledImages train, LabeledImages? validation, int classCount, InceptionCheckpoint? resume, ClassifierRows? resumedRows, StoredWeights? pretrained)
    {
        Device device = TrainingDevice.Require(options.Device);
        if (CpuConvolutionCheck.EnsureCorrect() is string workaround)
        {
            channel.Info(MessageSensitivity.None, workaround);
        }

        if (OpenMpSpinCount.Describe() is string openMp)
        {
            channel.Info(MessageSensitivity.None, openMp);
        }

        // TorchSharp draws weight initialisation and dropout from its global generator.
        torch.random.manual_seed(seed);
        (float[] mean, float[] std) = resume is null ? Normalization(train) : (resume.Metadata.Mean, resume.Metadata.StandardDeviation);
        GoogLeNet network = resume?.CreateNetwork() ?? new GoogLeNet(options.NetworkOptions(classCount, train.Channels));
        try
        {
            if (pretrained is not null)
            {
                LoadPretrained(network, pretrained);
            }

            resumedRows?.Reorder(network);

            network.BackboneRunning = options.BackboneRunning;
            network.to(device);
            using IDisposable? threads = device.type == DeviceType.CPU ? UseThreads(network, train) : null;
            using IDisposable heap = NativeHeapRetention.Enter();
            var run = Fit(network, train, validation, mean, std, device, resume, resumedRows);
            network.eval();
            network.to(torch.CPU);
            using var saved = new MemoryStream();
            network.save(saved);
            return new TrainedNetwork(network, mean, std, run.History, run.BestEpoch, saved.ToArray(), run.OptimizerState);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private IDisposable UseThreads(GoogLeNet network, LabeledImages train)
    {
        long multiplyAdds = network.Summarize((int)train.Images.shape[2], (int)train.Images.shape[3]).TotalMultiplyAdds;
        int threads = IntraOpThreads.Choose(options.IntraOpThreads, multiplyAdds, torch.get_num_threads());
        channel.Info(MessageSensitivity.None, IntraOpThreads.Describe(options.IntraOpThreads, multiplyAdds, threads));
        return IntraOpThreads.Use(threads);
    }

    private void LoadPretrained(GoogLeNet network, StoredWeights pretrained)
    {
        GoogLeNetWeightMatch match = GoogLeNetWeightMatch.Create(network, pretrained);
        if (!match.Fits)
        {
            // The estimator checked the file against these options before reading the images; only the channel count
            // (known now) can differ, and conv1 adapts to it, so this is a guard rather than a user-facing path.
            throw new ArgumentOutOfRangeException(nameof(InceptionOptions.PretrainedWeights), match.Describe(options.PretrainedWeights!));
        }

        match.CopyInto(network);
        channel.Info(MessageSensitivity.None, $"Loaded {match.Loaded.Count} tensors from '{options.PretrainedWeights}' ({GoogLeNetWeights.Report(match).Format}); {options.EffectiveFineTuning} fine-tuning.");
        foreach (string note in match.Notes)
        {
            channel.Info(MessageSensitivity.None, note);
        }

        // A classifier of the right size is loaded like any other tensor; its rows are classes the file does not name.
        var keptClassifiers = match.Loaded.Where(l => ClassifierRows.IsPerClass(l.Name) && l.Name.EndsWith(".weight", StringComparison.Ordinal))
            .Select(l => l.Name[..^".weight".Length]).ToList();
        if (keptClassifiers.Count > 0)
        {
            channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
                $"The file's classifiers ({string.Join(", ", keptClassifiers)}) are for {network.Options.NumberOfClasses} classes, as many as label column '{options.LabelColumnName}' has, so they are kept and key k of the label is taken to be the file's class k; whether they are the same classes in the same order could not be checked, as the file names no classes."));
        }
    }

    private (List<InceptionEpochMetrics> History, int BestEpoch, byte[] OptimizerState) Fit(
        GoogLeNet network, LabeledImages train, LabeledImages? validation, float[] mean, float[] std, Device device, InceptionCheckpoint? resume, ClassifierRows? resumedRows)
    {
        int batchSize = Math.Min(options.BatchSize, train.Count);
        if (batchSize < options.BatchSize)
        {
            channel.Info(MessageSensitivity.None, $"BatchSize {options.BatchSize} is larger than the {train.Count} training images; using {batchSize}.");
        }

        int stepsPerEpoch = (train.Count + batchSize - 1) / batchSize;
        if (ShortTrainingWarning.For(train.Count, batchSize, (resume?.EpochsCompleted ?? 0) + options.Epochs, options.EffectiveFineTuning == InceptionFineTuning.FromScratch) is string shortTraining)
        {
            channel.Warning(MessageSensitivity.None, shortTraining);
        }

        using Tensor meanTensor = torch.tensor(mean, device: device).view(1, -1, 1, 1);
        using Tensor stdTensor = torch.tensor(std, device: device).view(1, -1, 1, 1);
        using Tensor labels = torch.tensor(train.Labels, device: device);
        using Tensor? validationLabels = validation is null ? null : torch.tensor(validation.Labels, device: device);
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(options, network, resume, channel, resumedRows);
        bool headOnly = options.EffectiveFineTuning == InceptionFineTuning.HeadOnly;
        using IForwardPass forward = headOnly
            ? new CachedFeatureForwardPass(network, train, validation, meanTensor, stdTensor, device, channel, cancellation)
            : new FullNetworkForwardPass(network, train, validation, meanTensor, stdTensor, device);
        if (headOnly)
        {
            ReportHeadOnly(network);
        }

        BatchNormRecalibration? recalibration = BatchNormRecalibration.AppliesTo(options, network)
            ? new BatchNormRecalibration(network, train, meanTensor, stdTensor, device, batchSize, channel)
            : null;

        int done = resume?.EpochsCompleted ?? 0;
        int last = done + options.Epochs;
        progress.Begin(done, last, stepsPerEpoch);
        var history = new List<InceptionEpochMetrics>(resume?.History ?? []);
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = double.NegativeInfinity;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = last;
        int sinceBest = 0;
        long step = 0;
        float? firstFiniteLoss = null;

        // Held for the whole run: a Scalar converted implicitly for each batch could be finalized by the garbage
        // collector while libtorch still reads it (see TrainingOptimizer.Step).
        using Scalar auxiliaryWeight = options.AuxiliaryLossWeight.ToScalar();
        float? lastFiniteLoss = null;
        try
        {
            for (int epoch = done + 1; epoch <= last; epoch++)
            {
                var watch = Stopwatch.StartNew();
                forward.BeginEpoch();

                // Shuffling, augmentation and dropout are seeded per epoch, so training resumed from a checkpoint
                // after epoch e draws exactly what an uninterrupted run draws in epoch e + 1.
                torch.random.manual_seed(EpochSeed(epoch, 1));
                using var generator = new torch.Generator((ulong)EpochSeed(epoch, 2));
                var augmenter = new BatchAugmenter(options.RandomCrop && !headOnly, options.HorizontalFlip && !headOnly, (int)EpochSeed(epoch, 3));
                using Tensor order = torch.randperm(train.Count, generator: generator);
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                double learningRate = options.LearningRate;
                for (int start = 0; start < train.Count; start += batchSize)
                {
                    cancellation.ThrowIfCancellationRequested();
                    int count = Math.Min(batchSize, train.Count - start);
                    if (count == 1 && forward.SkipsSingleImageBatches)
                    {
                        // Batch norm cannot train on a single image; its one image comes round again next epoch.
                        continue;
                    }

                    learningRate = LearningRateScheduler.At(options.LearningRateSchedule, options.LearningRate, step++, stepsPerEpoch, options.Epochs);
                    options.BatchStarting?.Invoke(step);
                    optimizer.SetLearningRate(learningRate);
                    using var scope = torch.NewDisposeScope();
                    Tensor index = order.narrow(0, start, count).to(device);
                    Tensor target = labels.index_select(0, index);
                    GoogLeNetOutput output = forward.Train(index, augmenter);
                    Tensor loss = Loss(output.Logits, target);
                    if (output.Auxiliary1 is not null && output.Auxiliary2 is not null)
                    {
                        loss = loss + (Loss(output.Auxiliary1, target) + Loss(output.Auxiliary2, target)).mul(auxiliaryWeight);
                    }

                    float value = loss.item<float>();
                    if (!float.IsFinite(value))
                    {
                        throw NonFiniteLoss(network, epoch, value, lastFiniteLoss, learningRate);
                    }

                    optimizer.ZeroGrad();
                    loss.backward();
                    if (FiniteTensors.FirstInGradients(network) is string badGradient)
                    {
                        throw NonFiniteGradient(epoch, badGradient, value, firstFiniteLoss ?? value, learningRate);
                    }

                    optimizer.Step();
                    firstFiniteLoss ??= value;
                    lastFiniteLoss = value;
                    lossSum += value * count;
                    correct += output.Logits.argmax(1).eq(target).sum().item<long>();
                    seen += count;
                    progress.BatchCompleted((start / batchSize) + 1, lossSum / seen, correct / (double)seen);
                }

                double trainSeconds = watch.Elapsed.TotalSeconds;
                if (recalibration is not null && (epoch == last || (options.EarlyStoppingPatience is not null && validation is not null)))
                {
                    // Before validation, so that the epoch whose weights Fit returns reports the model it returns (with
                    // early stopping any epoch can be that one, and it is chosen by these statistics).
                    recalibration.Recompute(EpochSeed(epoch, 4));
                }

                (double ValidationLoss, double ValidationAccuracy)? validated = validation is null
                    ? null
                    : Evaluate(network, forward, validation.Count, validationLabels!);
                var metrics = new InceptionEpochMetrics(
                    epoch,
                    lossSum / Math.Max(1, seen),
                    correct / (double)Math.Max(1, seen),
                    validated?.ValidationLoss,
                    validated?.ValidationAccuracy,
                    learningRate,
                    seen / Math.Max(trainSeconds, 1e-9),
                    watch.Elapsed);
                RequireFiniteAfterEpoch(network, metrics);
                history.Add(metrics);
                Report(metrics, last);

                if (validated is (double valLoss, double valAccuracy) && options.EarlyStoppingPatience is int patience)
                {
                    if (valAccuracy > bestAccuracy || (valAccuracy == bestAccuracy && valLoss < bestLoss))
                    {
                        (bestAccuracy, bestLoss, bestEpoch, sinceBest) = (valAccuracy, valLoss, epoch, 0);
                        DisposeAll(best);
                        best = network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
                    }
                    else if (++sinceBest >= patience)
                    {
                        channel.Info(MessageSensitivity.None, $"Early stopping after epoch {epoch}: validation accuracy has not improved for {patience} epoch(s); keeping epoch {bestEpoch}.");
                        break;
                    }
                }
                else
                {
                    bestEpoch = epoch;
                }
            }

            if (best is not null)
            {
                network.load_state_dict(best);
            }

            // The weights that will be exported: the last epoch's or early stopping's best, checked either way.
            if (FiniteTensors.FirstInWeights(network) is string bad)
            {
                throw new InvalidOperationException($"Training produced weights that are not finite: the network's tensor '{bad}' holds NaN or infinity. No model is returned.");
            }

            return (history, bestEpoch, optimizer.SaveState());
        }
        finally
        {
            DisposeAll(best);
        }
    }

    /// <summary>
    /// The error for a loss that is NaN or infinite: divergence (with the advice to lower the learning rate) only when
    /// the loss grew from finite values; in the first batch nothing has been updated yet, so the network's weights or
    /// the images are at fault.
    /// </summary>
    private Exception NonFiniteLoss(GoogLeNet network, int epoch, float value, float? lastFinite, double learningRate)
    {
        if (lastFinite is float previous)
        {
            return new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Training diverged in epoch {epoch}: the loss grew from {previous:G4} in the previous batch to {value} at a learning rate of {learningRate:G4}. Try a lower {nameof(InceptionOptions.LearningRate)} (currently {options.LearningRate:G4})."));
        }

        string cause = FiniteTensors.FirstInWeights(network) is string bad
            ? $"the network's tensor '{bad}' holds NaN or infinity"
            : "the network's weights are finite, but its output for these images is not (weights or pixel values too large to compute with)";
        return new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
            $"Training stopped in epoch {epoch}: the loss of the first batch is {value}, before any weight was updated, so the learning rate is not the cause: {cause}."));
    }

    /// <summary>
    /// The error for a gradient that is NaN or infinite although the loss was finite. Overflowing gradients come with a
    /// loss that has grown far beyond where it started (divergence: lower the learning rate); with a loss of the usual
    /// size, the backward pass itself computed wrongly, and the learning rate is not the cause. Either way stepping
    /// would carry the values into every weight.
    /// </summary>
    private Exception NonFiniteGradient(int epoch, string parameter, float loss, float firstLoss, double learningRate) =>
        new InvalidOperationException(loss > DivergedLossFactor * Math.Abs(firstLoss)
            ? string.Create(CultureInfo.InvariantCulture,
                $"Training diverged in epoch {epoch}: the loss grew from {firstLoss:G4} in the first batch to {loss:G4}, and the gradient of '{parameter}' overflowed to NaN or infinity at a learning rate of {learningRate:G4}. Try a lower {nameof(InceptionOptions.LearningRate)} (currently {options.LearningRate:G4}).")
            : string.Create(CultureInfo.InvariantCulture,
                $"Training stopped in epoch {epoch}: the gradient of '{parameter}' holds NaN or infinity although the loss was finite and of the usual size ({loss:G4}; {firstLoss:G4} in the first batch), so the weights were not updated with it. This is a numerical fault in the backward pass on this machine (libtorch's CPU kernels), not a learning rate that is too high."));

    /// <summary>Stops training once the weights or the validation loss are not finite, naming the epoch and the first bad tensor.</summary>
    private void RequireFiniteAfterEpoch(GoogLeNet network, InceptionEpochMetrics metrics)
    {
        if (FiniteTensors.FirstInWeights(network) is string bad)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Training stopped after epoch {metrics.Epoch}: the network's tensor '{bad}' holds NaN or infinity, although every batch's loss and gradients were finite (training loss {metrics.TrainingLoss:G4}, learning rate {metrics.LearningRate:G4}). No model is returned."));
        }

        if (metrics.ValidationLoss is double validationLoss && !double.IsFinite(validationLoss))
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"Training diverged in epoch {metrics.Epoch}: the validation loss is {validationLoss} while the training loss was {metrics.TrainingLoss:G4}. Try a lower {nameof(InceptionOptions.LearningRate)} (currently {options.LearningRate:G4})."));
        }
    }

    private (double Loss, double Accuracy) Evaluate(GoogLeNet network, IForwardPass forward, int count, Tensor labels)
    {
        network.eval();
        using var noGrad = torch.no_grad();
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < count; start += EvaluationBatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            int batch = Math.Min(EvaluationBatchSize, count - start);
            Tensor target = labels.narrow(0, start, batch);
            Tensor logits = forward.Validate(start, batch);
            lossSum += nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(target).sum().item<long>();
        }

        return (lossSum / Math.Max(1, count), correct / (double)Math.Max(1, count));
    }

    private void ReportHeadOnly(GoogLeNet network)
    {
        var unused = new List<string>();
        if (options.RandomCrop || options.HorizontalFlip)
        {
            unused.Add($"{nameof(InceptionOptions.RandomCrop)} and {nameof(InceptionOptions.HorizontalFlip)} do not apply to cached features");
        }

        if (network.Options.AuxiliaryClassifiers)
        {
            unused.Add("the auxiliary classifiers do not train");
        }

        channel.Info(MessageSensitivity.None,
            $"HeadOnly fine-tuning: the backbone is frozen and only the classifier fc trains, on features computed once in the first epoch{(unused.Count > 0 ? "; " + string.Join("; ", unused) : string.Empty)}.");
    }

    private Tensor Loss(Tensor logits, Tensor target) =>
        nn.functional.cross_entropy(logits, target, label_smoothing: options.LabelSmoothing);

    private (float[] Mean, float[] Std) Normalization(LabeledImages train)
    {
        if (options.NormalizationMean is { } givenMean && options.NormalizationStandardDeviation is { } givenStd)
        {
            if (givenMean.Count != train.Channels || givenStd.Count != train.Channels)
            {
                throw new ArgumentOutOfRangeException(nameof(options), $"{nameof(InceptionOptions.NormalizationMean)} and {nameof(InceptionOptions.NormalizationStandardDeviation)} need one value per channel: the images have {train.Channels}, got {givenMean.Count} and {givenStd.Count}.");
            }

            return (givenMean.ToArray(), givenStd.ToArray());
        }

        // Sums in double over chunks: exact enough for millions of pixels without a float copy of the whole set.
        var sum = new double[train.Channels];
        var squares = new double[train.Channels];
        const int chunk = 1024;
        for (int start = 0; start < train.Count; start += chunk)
        {
            using var scope = torch.NewDisposeScope();
            Tensor x = train.Images.narrow(0, start, Math.Min(chunk, train.Count - start)).to_type(ScalarType.Float64);
            double[] s = x.sum([0, 2, 3]).data<double>().ToArray();
            double[] q = x.square().sum([0, 2, 3]).data<double>().ToArray();
            for (int c = 0; c < train.Channels; c++)
            {
                sum[c] += s[c];
                squares[c] += q[c];
            }
        }

        double n = (double)train.Count * train.Images.shape[2] * train.Images.shape[3];
        float[] mean = sum.Select(s => (float)(s / n)).ToArray();
        float[] std = squares.Select((q, c) => (float)Math.Max(Math.Sqrt(Math.Max(q / n - (mean[c] * (double)mean[c]), 0)), 1e-3)).ToArray();
        return (mean, std);
    }

    private long EpochSeed(int epoch, int stream) => unchecked((((seed * 1_000_003L) + epoch) * 8) + stream) & 0x7FFF_FFFF;

    private void Report(InceptionEpochMetrics m, int last)
    {
        string validation = m.ValidationAccuracy is double acc
            ? string.Create(CultureInfo.InvariantCulture, $", validation loss {m.ValidationLoss:F4}, validation accuracy {acc:P2}")
            : string.Empty;
        channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Epoch {m.Epoch}/{last}: loss {m.TrainingLoss:F4}, accuracy {m.TrainingAccuracy:P2}{validation}, learning rate {m.LearningRate:G4}, {m.ImagesPerSecond:F1} images/s"));
        progress.EpochCompleted(m);
        options.EpochCompleted?.Invoke(m);
    }

    private static void DisposeAll(Dictionary<string, Tensor>? tensors)
    {
        foreach (Tensor t in tensors?.Values ?? Enumerable.Empty<Tensor>())
        {
            t.Dispose();
        }
    }
}

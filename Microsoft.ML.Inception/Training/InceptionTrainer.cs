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
    private readonly InceptionOptions options;
    private readonly IChannel channel;
    private readonly int seed;

    public InceptionTrainer(InceptionOptions options, IChannel channel, int seed)
    {
        this.options = options;
        this.channel = channel;
        this.seed = seed;
    }

    public TrainedNetwork Train(LabeledImages train, LabeledImages? validation, int classCount, InceptionCheckpoint? resume)
    {
        Device device = TrainingDevice.Require(options.Device);

        // TorchSharp draws weight initialisation and dropout from its global generator.
        torch.random.manual_seed(seed);
        (float[] mean, float[] std) = resume is null ? Normalization(train) : (resume.Metadata.Mean, resume.Metadata.StandardDeviation);
        GoogLeNetOptions networkOptions = resume?.Network ?? new GoogLeNetOptions
        {
            NumberOfClasses = classCount,
            InputChannels = train.Channels,
            Variant = options.Variant,
            WidthMultiplier = options.WidthMultiplier,
            AuxiliaryClassifiers = options.AuxiliaryLossWeight > 0,
            Dropout = options.Dropout,
        };
        var network = new GoogLeNet(networkOptions);
        try
        {
            if (resume is not null)
            {
                using var weights = new MemoryStream(resume.Weights, writable: false);
                network.load(weights);
            }

            network.to(device);
            var run = Fit(network, train, validation, mean, std, device, resume);
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

    private (List<InceptionEpochMetrics> History, int BestEpoch, byte[] OptimizerState) Fit(
        GoogLeNet network, LabeledImages train, LabeledImages? validation, float[] mean, float[] std, Device device, InceptionCheckpoint? resume)
    {
        int batchSize = Math.Min(options.BatchSize, train.Count);
        if (batchSize < options.BatchSize)
        {
            channel.Info(MessageSensitivity.None, $"BatchSize {options.BatchSize} is larger than the {train.Count} training images; using {batchSize}.");
        }

        int stepsPerEpoch = (train.Count + batchSize - 1) / batchSize;
        using Tensor meanTensor = torch.tensor(mean, device: device).view(1, -1, 1, 1);
        using Tensor stdTensor = torch.tensor(std, device: device).view(1, -1, 1, 1);
        using Tensor labels = torch.tensor(train.Labels, device: device);
        using optim.Optimizer optimizer = CreateOptimizer(network);
        RestoreOptimizer(optimizer, resume);
        int done = resume?.EpochsCompleted ?? 0;
        int last = done + options.Epochs;
        var history = new List<InceptionEpochMetrics>(resume?.History ?? []);
        Dictionary<string, Tensor>? best = null;
        double bestAccuracy = double.NegativeInfinity;
        double bestLoss = double.PositiveInfinity;
        int bestEpoch = last;
        int sinceBest = 0;
        long step = 0;
        try
        {
            for (int epoch = done + 1; epoch <= last; epoch++)
            {
                var watch = Stopwatch.StartNew();
                network.train();

                // Shuffling, augmentation and dropout are seeded per epoch, so training resumed from a checkpoint
                // after epoch e draws exactly what an uninterrupted run draws in epoch e + 1.
                torch.random.manual_seed(EpochSeed(epoch, 1));
                using var generator = new torch.Generator((ulong)EpochSeed(epoch, 2));
                var augmenter = new BatchAugmenter(options.RandomCrop, options.HorizontalFlip, (int)EpochSeed(epoch, 3));
                using Tensor order = torch.randperm(train.Count, generator: generator);
                double lossSum = 0;
                long correct = 0;
                long seen = 0;
                double learningRate = options.LearningRate;
                for (int start = 0; start < train.Count; start += batchSize)
                {
                    options.CancellationToken.ThrowIfCancellationRequested();
                    int count = Math.Min(batchSize, train.Count - start);
                    if (count == 1 && train.Count > 1 && options.Variant == GoogLeNetVariant.TorchVision)
                    {
                        // Batch norm cannot train on a single image; its one image comes round again next epoch.
                        continue;
                    }

                    learningRate = LearningRateScheduler.At(options.LearningRateSchedule, options.LearningRate, step++, stepsPerEpoch, options.Epochs);
                    SetLearningRate(optimizer, learningRate);
                    using var scope = torch.NewDisposeScope();
                    Tensor index = order.narrow(0, start, count).to(device);
                    Tensor images = Normalize(train.Images.index_select(0, index.cpu()).to(device), meanTensor, stdTensor);
                    if (augmenter.IsActive)
                    {
                        images = augmenter.Apply(images);
                    }

                    Tensor target = labels.index_select(0, index);
                    GoogLeNetOutput output = network.ForwardWithAuxiliary(images);
                    Tensor loss = Loss(output.Logits, target);
                    if (output.Auxiliary1 is not null && output.Auxiliary2 is not null)
                    {
                        loss = loss + (options.AuxiliaryLossWeight * (Loss(output.Auxiliary1, target) + Loss(output.Auxiliary2, target)));
                    }

                    float value = loss.item<float>();
                    if (!float.IsFinite(value))
                    {
                        throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                            $"Training diverged in epoch {epoch}: the loss became {value} at a learning rate of {learningRate:G4}. Try a lower {nameof(InceptionOptions.LearningRate)} (currently {options.LearningRate:G4})."));
                    }

                    optimizer.zero_grad();
                    loss.backward();
                    optimizer.step();
                    lossSum += value * count;
                    correct += output.Logits.argmax(1).eq(target).sum().item<long>();
                    seen += count;
                }

                double trainSeconds = watch.Elapsed.TotalSeconds;
                (double ValidationLoss, double ValidationAccuracy)? validated = validation is null
                    ? null
                    : Evaluate(network, validation, meanTensor, stdTensor, device);
                var metrics = new InceptionEpochMetrics(
                    epoch,
                    lossSum / Math.Max(1, seen),
                    correct / (double)Math.Max(1, seen),
                    validated?.ValidationLoss,
                    validated?.ValidationAccuracy,
                    learningRate,
                    seen / Math.Max(trainSeconds, 1e-9),
                    watch.Elapsed);
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

            using var state = new MemoryStream();
            using (var writer = new BinaryWriter(state, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                SaveOptimizer(optimizer, writer);
            }

            return (history, bestEpoch, state.ToArray());
        }
        finally
        {
            DisposeAll(best);
        }
    }

    private (double Loss, double Accuracy) Evaluate(GoogLeNet network, LabeledImages data, Tensor mean, Tensor std, Device device)
    {
        network.eval();
        using var noGrad = torch.no_grad();
        using Tensor labels = torch.tensor(data.Labels, device: device);
        double lossSum = 0;
        long correct = 0;
        for (int start = 0; start < data.Count; start += EvaluationBatchSize)
        {
            options.CancellationToken.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(EvaluationBatchSize, data.Count - start);
            Tensor images = Normalize(data.Images.narrow(0, start, count).to(device), mean, std);
            Tensor target = labels.narrow(0, start, count);
            Tensor logits = network.call(images);
            lossSum += nn.functional.cross_entropy(logits, target, reduction: nn.Reduction.Sum).item<float>();
            correct += logits.argmax(1).eq(target).sum().item<long>();
        }

        return (lossSum / Math.Max(1, data.Count), correct / (double)Math.Max(1, data.Count));
    }

    private Tensor Loss(Tensor logits, Tensor target) =>
        nn.functional.cross_entropy(logits, target, label_smoothing: options.LabelSmoothing);

    private static Tensor Normalize(Tensor pixels, Tensor mean, Tensor std) =>
        (pixels.to_type(ScalarType.Float32) - mean) / std;

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

    private void RestoreOptimizer(optim.Optimizer optimizer, InceptionCheckpoint? resume)
    {
        if (resume is null)
        {
            return;
        }

        if (resume.Metadata.Optimizer != options.Optimizer)
        {
            channel.Info(MessageSensitivity.None, $"The checkpoint was trained with {resume.Metadata.Optimizer}, this run uses {options.Optimizer}: the optimiser starts afresh.");
            return;
        }

        using var reader = new BinaryReader(new MemoryStream(resume.OptimizerState, writable: false));
        switch (optimizer)
        {
            case SGD sgd:
                sgd.load_state_dict(reader);
                break;
            case AdamW adamW:
                adamW.load_state_dict(reader);
                break;
        }
    }

    private static void SaveOptimizer(optim.Optimizer optimizer, BinaryWriter writer)
    {
        switch (optimizer)
        {
            case SGD sgd:
                sgd.save_state_dict(writer);
                break;
            case AdamW adamW:
                adamW.save_state_dict(writer);
                break;
        }
    }

    private optim.Optimizer CreateOptimizer(GoogLeNet network) => options.Optimizer switch
    {
        InceptionOptimizer.AdamW => optim.AdamW(network.parameters(), options.LearningRate, weight_decay: options.WeightDecay),
        _ => optim.SGD(network.parameters(), options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
    };

    private static void SetLearningRate(optim.Optimizer optimizer, double learningRate)
    {
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate;
        }
    }

    private void Report(InceptionEpochMetrics m, int last)
    {
        string validation = m.ValidationAccuracy is double acc
            ? string.Create(CultureInfo.InvariantCulture, $", validation loss {m.ValidationLoss:F4}, validation accuracy {acc:P2}")
            : string.Empty;
        channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Epoch {m.Epoch}/{last}: loss {m.TrainingLoss:F4}, accuracy {m.TrainingAccuracy:P2}{validation}, learning rate {m.LearningRate:G4}, {m.ImagesPerSecond:F1} images/s"));
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

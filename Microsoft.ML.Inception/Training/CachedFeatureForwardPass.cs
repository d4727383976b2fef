using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// <see cref="InceptionFineTuning.HeadOnly"/>'s forward pass: the frozen backbone (evaluation mode, no gradients) turns
/// every training and validation image into its feature vector once, at the start of the first epoch, and every batch
/// then runs only the head (dropout and <c>fc</c>) on cached vectors: ML.NET's bottleneck cache, kept in memory.
/// </summary>
internal sealed class CachedFeatureForwardPass : IForwardPass
{
    private const int FeatureBatchSize = 128;
    private readonly GoogLeNet network;
    private readonly LabeledImages train;
    private readonly LabeledImages? validation;
    private readonly Tensor mean;
    private readonly Tensor std;
    private readonly Device device;
    private readonly IChannel channel;
    private readonly FitCancellation cancellation;
    private Tensor? trainFeatures;
    private Tensor? validationFeatures;

    public CachedFeatureForwardPass(
        GoogLeNet network, LabeledImages train, LabeledImages? validation, Tensor mean, Tensor std, Device device, IChannel channel, FitCancellation cancellation)
    {
        this.network = network;
        this.train = train;
        this.validation = validation;
        this.mean = mean;
        this.std = std;
        this.device = device;
        this.channel = channel;
        this.cancellation = cancellation;
    }

    public bool SkipsSingleImageBatches => false;

    public void BeginEpoch()
    {
        if (trainFeatures is null)
        {
            var watch = Stopwatch.StartNew();
            trainFeatures = Features(train);
            validationFeatures = validation is null ? null : Features(validation);
            channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
                $"Computed the frozen backbone's {network.FeatureChannels} features of {train.Count + (validation?.Count ?? 0)} images once in {watch.Elapsed.TotalSeconds:F1} s; every epoch trains the classifier on them."));
        }

        // Only the head runs from here on: training mode switches its dropout on.
        network.train();
    }

    public GoogLeNetOutput Train(Tensor index, BatchAugmenter augmenter) =>
        new(Head(trainFeatures!.index_select(0, index)), null, null);

    public Tensor Validate(int start, int count) => Head(validationFeatures!.narrow(0, start, count));

    public void Dispose()
    {
        trainFeatures?.Dispose();
        validationFeatures?.Dispose();
    }

    /// <summary>The head on N x C feature vectors: they are the 1x1 feature map its global average pool leaves unchanged.</summary>
    private Tensor Head(Tensor features) => network.ForwardHead(features.view(features.shape[0], -1, 1, 1));

    /// <summary>N x C globally average-pooled inception 5b outputs of every image, in batches, without gradients.</summary>
    private Tensor Features(LabeledImages images)
    {
        network.eval();
        using var noGrad = torch.no_grad();
        Tensor features = torch.empty([images.Count, network.FeatureChannels], dtype: ScalarType.Float32, device: device);
        for (int start = 0; start < images.Count; start += FeatureBatchSize)
        {
            cancellation.ThrowIfCancellationRequested();
            using var scope = torch.NewDisposeScope();
            int count = Math.Min(FeatureBatchSize, images.Count - start);
            Tensor pixels = FullNetworkForwardPass.Normalize(images.Images.narrow(0, start, count).to(device), mean, std);
            features.narrow(0, start, count).copy_(network.ForwardFeatures(pixels).mean([2, 3]));
        }

        return features;
    }
}

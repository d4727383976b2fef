using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>The usual forward pass: normalise the batch's pixels, augment them, and run the whole network (auxiliary classifiers included).</summary>
internal sealed class FullNetworkForwardPass : IForwardPass
{
    private readonly GoogLeNet network;
    private readonly LabeledImages train;
    private readonly LabeledImages? validation;
    private readonly Tensor mean;
    private readonly Tensor std;
    private readonly Device device;

    public FullNetworkForwardPass(GoogLeNet network, LabeledImages train, LabeledImages? validation, Tensor mean, Tensor std, Device device)
    {
        this.network = network;
        this.train = train;
        this.validation = validation;
        this.mean = mean;
        this.std = std;
        this.device = device;
    }

    public bool SkipsSingleImageBatches => train.Count > 1 && network.Options.Variant == GoogLeNetVariant.TorchVision;

    public void BeginEpoch() => network.train();

    public GoogLeNetOutput Train(Tensor index, BatchAugmenter augmenter)
    {
        Tensor images = Normalize(train.Images.index_select(0, index.cpu()).to(device), mean, std);
        if (augmenter.IsActive)
        {
            images = augmenter.Apply(images);
        }

        return network.ForwardWithAuxiliary(images);
    }

    public Tensor Validate(int start, int count) =>
        network.call(Normalize(validation!.Images.narrow(0, start, count).to(device), mean, std));

    public void Dispose()
    {
    }

    /// <summary>Pixels as the image column holds them to the network's input: per-channel (x - mean) / std in float32.</summary>
    public static Tensor Normalize(Tensor pixels, Tensor mean, Tensor std) =>
        (pixels.to_type(ScalarType.Float32) - mean) / std;
}

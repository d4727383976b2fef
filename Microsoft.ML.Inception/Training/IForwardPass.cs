using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// How the training loop gets a batch's logits: through the whole network from (augmented) images
/// (<see cref="FullNetworkForwardPass"/>), or through the classifier alone from cached backbone features
/// (<see cref="CachedFeatureForwardPass"/>, <see cref="InceptionFineTuning.HeadOnly"/>).
/// </summary>
internal interface IForwardPass : IDisposable
{
    /// <summary>Whether a batch of one image must be left out (batch norm cannot train on one image).</summary>
    bool SkipsSingleImageBatches { get; }

    /// <summary>Puts the network in training mode at the start of an epoch, inside the epoch's timing.</summary>
    void BeginEpoch();

    /// <summary>Training-mode logits (with auxiliary logits where they train) of the training images at <paramref name="index"/>.</summary>
    /// <param name="index">Row numbers into the training images, on the training device.</param>
    /// <param name="augmenter">The epoch's augmentation.</param>
    GoogLeNetOutput Train(Tensor index, BatchAugmenter augmenter);

    /// <summary>Evaluation-mode logits of validation images <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/>; call after the network was put in evaluation mode.</summary>
    Tensor Validate(int start, int count);
}

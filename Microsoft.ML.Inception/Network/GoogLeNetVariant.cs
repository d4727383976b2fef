namespace Microsoft.ML.Inception;

/// <summary>Which of the two common definitions of GoogLeNet (Inception v1) to build.</summary>
public enum GoogLeNetVariant
{
    /// <summary>
    /// The paper's network (Szegedy et al., 2014, Table 1): convolutions with biases and no batch
    /// normalisation, a true 5x5 convolution in the third branch of every Inception module, optional
    /// local response normalisation after the stem, 3x3/2 max pooling before the 5x modules and 40%
    /// dropout before the classifier.
    /// </summary>
    Paper,

    /// <summary>
    /// torchvision's <c>googlenet</c>: batch normalisation (eps 0.001) after every bias-free convolution,
    /// a 3x3 kernel where the paper's third branch has 5x5 (kept by torchvision for weight compatibility),
    /// 2x2/2 max pooling before the 5x modules and 20% dropout before the classifier. Parameter names
    /// match torchvision's, so a PyTorch <c>googlenet</c> state_dict maps onto it one to one. Trains
    /// from scratch much more readily than <see cref="Paper"/>.
    /// </summary>
    TorchVision,
}

namespace Microsoft.ML.Inception;

/// <summary>One row of a <see cref="ModelSummary"/>: a named layer of GoogLeNet for a given input size.</summary>
/// <param name="Name">The module name (torchvision's, e.g. <c>inception3a</c>).</param>
/// <param name="Description">What the layer is, e.g. <c>conv 7x7/2</c> or <c>max pool 3x3/2</c>.</param>
/// <param name="OutputChannels">Channels of the layer's output (features for the linear layers).</param>
/// <param name="OutputHeight">Height of the layer's output (1 for the linear layers).</param>
/// <param name="OutputWidth">Width of the layer's output (1 for the linear layers).</param>
/// <param name="Weights">Convolution and linear weights, without biases or batch-norm parameters (the paper's "params").</param>
/// <param name="Parameters">All learnable parameters: weights, biases and batch-norm scales and shifts.</param>
/// <param name="MultiplyAdds">Multiply-accumulate operations of convolutions and linear layers for one image.</param>
/// <param name="TrainingOnly">True for the auxiliary classifiers, which run only in training and are left out of the totals.</param>
/// <param name="Branches">For Inception modules, the cost of the 3x3 and 5x5 branches with and without their 1x1 reductions; otherwise empty.</param>
public sealed record LayerSummary(
    string Name,
    string Description,
    int OutputChannels,
    int OutputHeight,
    int OutputWidth,
    long Weights,
    long Parameters,
    long MultiplyAdds,
    bool TrainingOnly,
    IReadOnlyList<BranchSummary> Branches);

namespace Microsoft.ML.Inception;

/// <summary>
/// The cost of one reduced branch of an Inception module, and what it would cost without the 1x1
/// reduction: the paper's argument for 1x1 convolutions (inception 3a's 5x5 branch: 12.4 M multiply-adds
/// with the reduction to 16 channels, 120 M applied directly to the 192 input channels).
/// </summary>
/// <param name="Name">Which branch: <c>3x3</c> or <c>5x5</c> (the latter has a 3x3 kernel in the torchvision variant).</param>
/// <param name="Kernel">The kernel size of the branch's main convolution.</param>
/// <param name="MultiplyAdds">Multiply-adds of the 1x1 reduction plus the main convolution.</param>
/// <param name="MultiplyAddsWithoutReduction">Multiply-adds of the main convolution applied directly to the module's input.</param>
public sealed record BranchSummary(string Name, int Kernel, long MultiplyAdds, long MultiplyAddsWithoutReduction);

using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// What <see cref="GoogLeNet.ForwardWithAuxiliary"/> returns: the main logits and, in training mode with
/// auxiliary classifiers built, the logits of the heads on inception 4a and 4d.
/// </summary>
/// <param name="Logits">N x classes scores of the main classifier.</param>
/// <param name="Auxiliary1">N x classes scores of the head on inception 4a, or <see langword="null"/> outside training.</param>
/// <param name="Auxiliary2">N x classes scores of the head on inception 4d, or <see langword="null"/> outside training.</param>
public sealed record GoogLeNetOutput(Tensor Logits, Tensor? Auxiliary1, Tensor? Auxiliary2);

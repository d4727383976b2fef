namespace Microsoft.ML.Inception;

/// <summary>What <see cref="GoogLeNetWeights.Load(GoogLeNet, string)"/> did with the tensors of a weight file.</summary>
/// <param name="Format">The file's format: "safetensors", "TorchSharp" or "PyTorch" (torch.save's <c>.pth</c>/<c>.pt</c>).</param>
/// <param name="LoadedTensors">Names of the network's tensors that received the file's values.</param>
/// <param name="ReinitializedTensors">
/// Names of the network's tensors left freshly initialised: the classifiers (<c>fc</c>, <c>aux1.fc2</c>, <c>aux2.fc2</c>)
/// when the file is for another number of classes, and auxiliary classifiers the file has no weights for.
/// </param>
/// <param name="IgnoredTensors">Names of the file's tensors the network has no place for: auxiliary classifiers of a network built without them.</param>
/// <param name="InputChannelsConverted">Whether conv1's weights were converted between 3 (colour) and 1 (grey) input channels.</param>
/// <param name="Notes">One sentence per adaptation above, as the estimator logs them.</param>
public sealed record GoogLeNetWeightsReport(
    string Format,
    IReadOnlyList<string> LoadedTensors,
    IReadOnlyList<string> ReinitializedTensors,
    IReadOnlyList<string> IgnoredTensors,
    bool InputChannelsConverted,
    IReadOnlyList<string> Notes);

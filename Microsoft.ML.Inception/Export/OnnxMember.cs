namespace Microsoft.ML.Inception;

/// <summary>One network of an exported model, with the normalisation of its input (per-channel mean and standard deviation).</summary>
internal sealed record OnnxMember(GoogLeNet Network, float[] Mean, float[] StandardDeviation);

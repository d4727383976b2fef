namespace Microsoft.ML.Inception;

/// <summary>The outcome of training: the network in eval mode and everything scoring needs to reproduce its inputs.</summary>
/// <param name="Network">The trained network (eval mode, on the CPU).</param>
/// <param name="Mean">Per-channel mean subtracted from the pixel values.</param>
/// <param name="StandardDeviation">Per-channel standard deviation the centred values are divided by.</param>
/// <param name="History">Metrics of every epoch run.</param>
/// <param name="BestEpoch">The epoch whose weights were kept (the last one without early stopping).</param>
/// <param name="Weights">The network's state_dict in TorchSharp's format, for checkpoints.</param>
/// <param name="OptimizerState">The optimiser's state in TorchSharp's format, for checkpoints.</param>
internal sealed record TrainedNetwork(
    GoogLeNet Network,
    float[] Mean,
    float[] StandardDeviation,
    IReadOnlyList<InceptionEpochMetrics> History,
    int BestEpoch,
    byte[] Weights,
    byte[] OptimizerState);

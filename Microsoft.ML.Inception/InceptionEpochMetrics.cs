namespace Microsoft.ML.Inception;

/// <summary>What one training epoch achieved, reported to <see cref="InceptionOptions.EpochCompleted"/>, MLContext.Log and <see cref="InceptionTransformer.History"/>.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="TrainingLoss">Mean training loss over the epoch (main classifier plus weighted auxiliary losses, with label smoothing).</param>
/// <param name="TrainingAccuracy">Share of training images the main classifier got right during the epoch (augmented, dropout on).</param>
/// <param name="ValidationLoss">Mean cross-entropy of the main classifier on the validation images, or <see langword="null"/> without validation.</param>
/// <param name="ValidationAccuracy">Share of validation images classified correctly, or <see langword="null"/> without validation.</param>
/// <param name="LearningRate">The learning rate at the end of the epoch.</param>
/// <param name="ImagesPerSecond">Training images processed per second of the epoch (without validation).</param>
/// <param name="Elapsed">Wall time of the epoch, validation included (and the recomputation of <see cref="InceptionOptions.RecomputeBatchNormStatistics"/> in the epochs where it runs).</param>
public sealed record InceptionEpochMetrics(
    int Epoch,
    double TrainingLoss,
    double TrainingAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double LearningRate,
    double ImagesPerSecond,
    TimeSpan Elapsed);

namespace Microsoft.ML.Inception;

/// <summary>The <c>checkpoint.json</c> entry of an <see cref="InceptionCheckpoint"/> (format version 1).</summary>
internal sealed record CheckpointMetadata
{
    public string Format { get; init; } = InceptionCheckpoint.FormatName;

    public int Version { get; init; } = InceptionCheckpoint.FormatVersion;

    public required GoogLeNetOptions Network { get; init; }

    public required int ImageHeight { get; init; }

    public required int ImageWidth { get; init; }

    public required IReadOnlyList<string> ClassNames { get; init; }

    public required float[] Mean { get; init; }

    public required float[] StandardDeviation { get; init; }

    public required InceptionOptimizer Optimizer { get; init; }

    public required int EpochsCompleted { get; init; }

    public required IReadOnlyList<InceptionEpochMetrics> History { get; init; }
}

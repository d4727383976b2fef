namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// The Fashion-MNIST example's Inception settings, in one place so that the comparison (examples/Comparison) trains
/// exactly what the main example trains: width 0.25, 28x28 padded to 32x32, batch 128, 8 epochs of SGD with momentum
/// at peak learning rate 0.1 on the cosine schedule, random crops and horizontal flips.
/// </summary>
internal static class FashionMnistSettings
{
    public const int Epochs = 8;
    public const int BatchSize = 128;
    public const int ImageSize = 32;
    public const double Width = 0.25;
    public const double LearningRate = 0.1;

    /// <summary>The options for an image column, with the example's defaults unless given.</summary>
    public static InceptionOptions Options(
        string imageColumn,
        int epochs = Epochs,
        int batchSize = BatchSize,
        double width = Width,
        double learningRate = LearningRate,
        Action<InceptionEpochMetrics>? epochCompleted = null) => new()
        {
            ImageColumnName = imageColumn,
            Epochs = epochs,
            BatchSize = batchSize,
            WidthMultiplier = width,
            LearningRate = learningRate,
            LearningRateSchedule = InceptionLearningRateSchedule.Cosine,
            RandomCrop = true,
            HorizontalFlip = true,
            EpochCompleted = epochCompleted,
        };
}

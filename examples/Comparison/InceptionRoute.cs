using System.Globalization;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// This library: GoogLeNet trained from scratch on the images with the Fashion-MNIST example's defaults (width 0.25,
/// 28x28 padded to 32x32, batch 128, SGD with momentum at peak learning rate 0.1 with the cosine schedule, random crop
/// and horizontal flip), scored through stock ML.NET (ExtractPixels, ApplyOnnxModel, the label head).
/// </summary>
internal static class InceptionRoute
{
    public const string Key = "inception";
    private const int Size = 32;
    private const double Width = 0.25;
    private const int BatchSize = 128;
    private const double LearningRate = 0.1;

    public static Route Create(MLContext ml, FashionMnistIdx.Split train, FashionMnistIdx.Split test, int epochs)
    {
        var options = new InceptionOptions
        {
            ImageColumnName = nameof(PixelRow.Image),
            Epochs = epochs,
            BatchSize = BatchSize,
            WidthMultiplier = Width,
            LearningRate = LearningRate,
            LearningRateSchedule = InceptionLearningRateSchedule.Cosine,
            RandomCrop = true,
            HorizontalFlip = true,
            EpochCompleted = m => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    Inception, epoch {m.Epoch}/{epochs}: training loss {m.TrainingLoss:F4}, training accuracy {m.TrainingAccuracy:P2}, {m.ImagesPerSecond:F0} images/s, {m.Elapsed.TotalSeconds:F0} s")),
        };
        return new Route(
            Key,
            "Inception (GoogLeNet, this library)",
            string.Create(CultureInfo.InvariantCulture, $"the images padded to {Size}x{Size}, `Inception` (width {Width}, {epochs} epoch{(epochs == 1 ? string.Empty : "s")}, batch {BatchSize}, peak learning rate {LearningRate}, cosine, random crop and flip)"),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, Size), PixelRow.Schema(Size)),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, Size), PixelRow.Schema(Size)),
            () => LabelKeys.MapLabel(ml).Append(ml.Transforms.Inception(options)));
    }
}

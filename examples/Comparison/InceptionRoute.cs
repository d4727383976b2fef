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
    private const int Size = FashionMnistSettings.ImageSize;

    public static Route Create(MLContext ml, FashionMnistIdx.Split train, FashionMnistIdx.Split test, int epochs)
    {
        InceptionOptions options = FashionMnistSettings.Options(
            nameof(PixelRow.Image),
            epochs,
            epochCompleted: m => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"    Inception, epoch {m.Epoch}/{epochs}: training loss {m.TrainingLoss:F4}, training accuracy {m.TrainingAccuracy:P2}, {m.ImagesPerSecond:F0} images/s, {m.Elapsed.TotalSeconds:F0} s")));
        return new Route(
            Key,
            "Inception (GoogLeNet, this library)",
            string.Create(CultureInfo.InvariantCulture, $"the images padded to {Size}x{Size}, `Inception` (width {options.WidthMultiplier}, {epochs} epoch{(epochs == 1 ? string.Empty : "s")}, batch {options.BatchSize}, peak learning rate {options.LearningRate}, cosine, random crop and flip)"),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, Size), PixelRow.Schema(Size)),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, Size), PixelRow.Schema(Size)),
            () => LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Append(ml.Transforms.Inception(options)));
    }
}

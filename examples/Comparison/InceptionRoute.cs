using System.Globalization;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// This library: GoogLeNet trained from scratch on the images with the Fashion-MNIST example's defaults
/// (<see cref="FashionMnistSettings"/>), scored through stock ML.NET (ExtractPixels, ApplyOnnxModel, the label head).
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
            string.Create(CultureInfo.InvariantCulture, $"`Inception` with the main example's settings ({FashionMnistSettings.Describe(epochs)})"),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, Size), PixelRow.Schema(Size)),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, Size), PixelRow.Schema(Size)),
            () => LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Append(ml.Transforms.Inception(options)));
    }
}

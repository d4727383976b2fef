using Microsoft.ML.Data;

using Microsoft.ML.Inception.Tests.Data;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>The pipeline of DEVELOPERS.md on the digit images, with small, fast settings.</summary>
internal static class DigitsPipeline
{
    public const int Size = 32;

    /// <summary>Settings that reach about 90% on the held-out digits in four short epochs.</summary>
    public static InceptionOptions FastOptions() => new()
    {
        Epochs = 4,
        BatchSize = 32,
        LearningRate = 0.05,
        WidthMultiplier = 0.25,
        // Digits are centred and not mirror-symmetric in meaning.
        HorizontalFlip = false,
        RandomCrop = false,
    };

    /// <summary>One quick epoch, for tests of behaviour rather than accuracy.</summary>
    public static InceptionOptions QuickOptions() => new()
    {
        Epochs = 1,
        BatchSize = 32,
        WidthMultiplier = 0.25,
        HorizontalFlip = false,
        RandomCrop = false,
    };

    public static IEstimator<ITransformer> Preprocessing(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", Size, Size));

    public static EstimatorChain<InceptionTransformer> Create(MLContext ml, InceptionOptions options) =>
        Preprocessing(ml).Append(ml.Transforms.Inception(options));

    public static IDataView Train(MLContext ml) => ml.Data.LoadFromEnumerable(DigitImages.Train);

    public static IDataView Test(MLContext ml) => ml.Data.LoadFromEnumerable(DigitImages.Test);

    /// <summary>A small training set: the first <paramref name="perClass"/> training images of each digit.</summary>
    public static IDataView SmallTrain(MLContext ml, int perClass = 20) =>
        ml.Data.LoadFromEnumerable(DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(perClass)).ToList());
}

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// The classic tabular route: the 784 raw pixel values (28x28, 0-255) as features of ML.NET's LightGbm multiclass
/// trainer with its default settings (100 boosting rounds).
/// </summary>
internal static class LightGbmRoute
{
    public const string Key = "lightgbm";
    private const int Size = 28;

    public static Route Create(MLContext ml, FashionMnistIdx.Split train, FashionMnistIdx.Split test) =>
        new(
            Key,
            "LightGbm on raw pixels",
            $"the {Size * Size} pixel values as features, LightGbm multiclass (default settings)",
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, Size), PixelRow.Schema(Size)),
            ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, Size), PixelRow.Schema(Size)),
            () => LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames)
                .Append(ml.MulticlassClassification.Trainers.LightGbm(LabelKeys.LabelColumn, nameof(PixelRow.Image))));
}

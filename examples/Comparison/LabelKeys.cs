namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>The label as a key type, with the same keys in the same order (Fashion-MNIST's label order) in every route.</summary>
internal static class LabelKeys
{
    public const string LabelColumn = "Label";

    /// <summary>
    /// MapValueToKey("Label") with the class names given up front: the keys do not depend on which classes the first
    /// rows hold, and Fit does not read the training data once more just to collect them.
    /// </summary>
    public static IEstimator<ITransformer> MapLabel(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey(
            LabelColumn,
            keyData: ml.Data.LoadFromEnumerable(FashionMnistIdx.ClassNames.Select(name => new ClassName { Label = name })));

    private sealed class ClassName
    {
        public string Label { get; set; } = string.Empty;
    }
}

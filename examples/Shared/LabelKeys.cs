namespace Microsoft.ML.Inception.Samples;

/// <summary>The label column as a key type whose keys follow a given order of class names.</summary>
internal static class LabelKeys
{
    public const string LabelColumn = "Label";

    /// <summary>
    /// MapValueToKey("Label") with the class names given up front: the keys do not depend on which classes the first
    /// rows hold, and Fit does not read the training data once more just to collect them.
    /// </summary>
    public static IEstimator<ITransformer> MapLabel(MLContext ml, IEnumerable<string> classNames) =>
        ml.Transforms.Conversion.MapValueToKey(
            LabelColumn,
            keyData: ml.Data.LoadFromEnumerable(classNames.Select(name => new ClassName { Label = name })));

    private sealed class ClassName
    {
        public string Label { get; set; } = string.Empty;
    }
}

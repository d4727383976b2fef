using Microsoft.ML.Inception.Tests.Data;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>
/// The digits pipeline in the form that saves a model needing no label to score: the label's key mapping is fitted on
/// the data and applied to it outside the model, and the model maps the predicted key back to the class name.
/// </summary>
internal static class LabelFreeDigitsPipeline
{
    /// <summary>Class name to key, fitted on <paramref name="data"/>: for training and evaluation data only, never saved in the model.</summary>
    public static ITransformer LabelToKey(MLContext ml, IDataView data) => ml.Transforms.Conversion.MapValueToKey("Label").Fit(data);

    /// <summary>From the image path to the class name: LoadImages, ResizeImages, Inception, MapKeyToValue of PredictedLabel.</summary>
    public static IEstimator<ITransformer> Create(MLContext ml, InceptionOptions options) =>
        ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath))
            .Append(ml.Transforms.ResizeImages("Image", DigitsPipeline.Size, DigitsPipeline.Size))
            .Append(ml.Transforms.Inception(options))
            .Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"));
}

namespace Microsoft.ML.Inception.Serving;

/// <summary>One image to classify: its path and nothing else, no label.</summary>
internal sealed class ImageInput
{
    public string ImagePath { get; set; } = string.Empty;
}

/// <summary>The predicted class name and the probability of every class.</summary>
internal sealed class ImagePrediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}

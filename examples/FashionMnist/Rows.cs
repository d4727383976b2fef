using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Samples.FashionMnist;

/// <summary>One image file of a folder-per-class tree: its path relative to the root and its class (the folder's name).</summary>
internal sealed class FileRow
{
    public string ImagePath { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;
}

/// <summary>A prediction: the class name and the probability of each class.</summary>
internal sealed class Prediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}

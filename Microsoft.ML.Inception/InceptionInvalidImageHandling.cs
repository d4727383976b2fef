namespace Microsoft.ML.Inception;

/// <summary>What <see cref="InceptionEstimator.Fit"/> does with a training or validation image that cannot be loaded.</summary>
public enum InceptionInvalidImageHandling
{
    /// <summary>Stop before training with an error that names the image (by <see cref="InceptionOptions.ImageSourceColumnName"/> or row number) and the reason.</summary>
    Fail,

    /// <summary>Leave the image out, log one warning listing every image left out, keep the list in <see cref="InceptionTransformer.SkippedImages"/>, and train on the rest.</summary>
    Skip,
}

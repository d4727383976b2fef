using Microsoft.ML.Inception;

namespace Microsoft.ML;

/// <summary>
/// <c>mlContext.Transforms.Inception(...)</c>: train a GoogLeNet (Inception v1) image classifier with TorchSharp
/// as a step of an ML.NET pipeline.
/// </summary>
public static class InceptionCatalog
{
    /// <summary>Creates an <see cref="InceptionEstimator"/> with the most used settings; everything else keeps its default.</summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="imageColumnName">The image column: ML.NET images of known size or a pixel vector.</param>
    /// <param name="epochs">Passes over the training data (default 10).</param>
    /// <param name="batchSize">Images per mini-batch (default 64).</param>
    /// <param name="learningRate">Peak learning rate (default 0.05).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    public static InceptionEstimator Inception(
        this TransformsCatalog catalog,
        string labelColumnName = "Label",
        string imageColumnName = "Image",
        int epochs = 10,
        int batchSize = 64,
        double learningRate = 0.05)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new InceptionEstimator(catalog, SimpleOptions(labelColumnName, imageColumnName, epochs, batchSize, learningRate));
    }

    /// <summary>The options of the simple overloads: the given settings, everything else at its default.</summary>
    internal static InceptionOptions SimpleOptions(string labelColumnName, string imageColumnName, int epochs, int batchSize, double learningRate) => new()
    {
        LabelColumnName = labelColumnName,
        ImageColumnName = imageColumnName,
        Epochs = epochs,
        BatchSize = batchSize,
        LearningRate = learningRate,
    };

    /// <summary>Creates an <see cref="InceptionEstimator"/> from options.</summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="options">The options; copied, never modified.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Some options are invalid; the message lists every one.</exception>
    public static InceptionEstimator Inception(this TransformsCatalog catalog, InceptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new InceptionEstimator(catalog, options);
    }

    /// <summary>
    /// Creates an <see cref="InceptionEnsembleEstimator"/>: <paramref name="models"/> models trained with the same options
    /// and seeds s, s + 1, ..., combined into one that averages their softmax probabilities.
    /// </summary>
    /// <param name="catalog">The transforms catalog (<c>mlContext.Transforms</c>).</param>
    /// <param name="options">The options of every model; copied, never modified.</param>
    /// <param name="models">How many models to train (at least 2; the GoogLeNet paper used 7).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Some options are invalid, or <paramref name="models"/> is below 2.</exception>
    public static InceptionEnsembleEstimator InceptionEnsemble(this TransformsCatalog catalog, InceptionOptions options, int models = 3)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new InceptionEnsembleEstimator(catalog, options, models);
    }
}

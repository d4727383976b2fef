using Microsoft.ML.Inception;

namespace Microsoft.ML;

/// <summary>
/// <c>mlContext.MulticlassClassification.Trainers.Inception(...)</c>: the Inception estimator where ML.NET users look for
/// multiclass trainers. It is the same <see cref="InceptionEstimator"/> as <c>mlContext.Transforms.Inception(...)</c>, the
/// primary entry (see <see cref="InceptionCatalog"/>), with the same overloads, defaults and options.
/// </summary>
public static class InceptionTrainerCatalog
{
    /// <summary>Creates an <see cref="InceptionEstimator"/> with the most used settings; everything else keeps its default.</summary>
    /// <param name="catalog">The multiclass trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</param>
    /// <param name="labelColumnName">The key-typed label column.</param>
    /// <param name="imageColumnName">The image column: ML.NET images of known size or a pixel vector.</param>
    /// <param name="epochs">Passes over the training data (default 10).</param>
    /// <param name="batchSize">Images per mini-batch (default 64).</param>
    /// <param name="learningRate">Peak learning rate (default 0.05).</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An argument is out of range.</exception>
    /// <example>
    /// <code>
    /// var pipeline = ml.Transforms.LoadImages("Image", folder, "ImagePath")
    ///     .Append(ml.Transforms.ResizeImages("Image", 64, 64))
    ///     .Append(ml.MulticlassClassification.Trainers.Inception(epochs: 5));
    /// </code>
    /// </example>
    public static InceptionEstimator Inception(
        this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label",
        string imageColumnName = "Image",
        int epochs = 10,
        int batchSize = 64,
        double learningRate = 0.05)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return new InceptionEstimator(
            CatalogEnvironment.Transforms(catalog),
            InceptionCatalog.SimpleOptions(labelColumnName, imageColumnName, epochs, batchSize, learningRate));
    }

    /// <summary>Creates an <see cref="InceptionEstimator"/> from options.</summary>
    /// <param name="catalog">The multiclass trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</param>
    /// <param name="options">The options; copied, never modified.</param>
    /// <returns>The estimator.</returns>
    /// <exception cref="ArgumentOutOfRangeException">Some options are invalid; the message lists every one.</exception>
    public static InceptionEstimator Inception(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, InceptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(options);
        return new InceptionEstimator(CatalogEnvironment.Transforms(catalog), options);
    }
}

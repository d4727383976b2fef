namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// One way to classify the shared Fashion-MNIST split with ML.NET: its own view of the training and test images, and
/// the pipeline to fit, built only when the measurement starts (building ResNet18's pipeline already loads its ONNX
/// models, which belongs to its training time).
/// </summary>
/// <param name="Key">The name <c>--only</c> takes.</param>
/// <param name="Name">The row's name in the table.</param>
/// <param name="Pipeline">The pipeline's steps, for the report.</param>
/// <param name="Train">The training images as this route reads them.</param>
/// <param name="Test">The test images as this route reads them.</param>
/// <param name="CreateEstimator">Builds the pipeline; it starts with <see cref="LabelKeys.MapLabel"/> and ends in a multiclass trainer.</param>
internal sealed record Route(string Key, string Name, string Pipeline, IDataView Train, IDataView Test, Func<IEstimator<ITransformer>> CreateEstimator);

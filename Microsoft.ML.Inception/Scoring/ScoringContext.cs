namespace Microsoft.ML.Inception;

/// <summary>What a trained model's scoring chain is built from besides the network: kept so the chain can be rebuilt
/// around another export of the same network (other test-time views, an ensemble).</summary>
/// <param name="Catalog">The transforms catalog of the context that trained the model.</param>
/// <param name="Options">The training options (column names, test-time augmentation).</param>
/// <param name="Image">The image column the model was trained on.</param>
/// <param name="Channels">The network's input channels.</param>
/// <param name="Head">The fitted label head (scores to the label's key type).</param>
/// <param name="InputSchema">The schema of the training data.</param>
internal sealed record ScoringContext(TransformsCatalog Catalog, InceptionOptions Options, ImageColumn Image, int Channels, ITransformer Head, DataViewSchema InputSchema);

using Microsoft.ML.Data;

namespace Microsoft.ML.Inception;

/// <summary>
/// A trained GoogLeNet classifier in an ML.NET pipeline. <see cref="Transform"/> adds the score column (softmax
/// probability of every class, in key order of the label) and the predicted-label column (the label's key type).
/// </summary>
/// <remarks>
/// Scoring runs through a chain of stock ML.NET transformers: pixel extraction, <c>ApplyOnnxModel</c> with the
/// trained network exported to ONNX (normalisation, batch norm folded, softmax), and a label head. Saving with
/// <c>mlContext.Model.Save</c> writes that chain, so a saved model loads and scores with Microsoft.ML,
/// Microsoft.ML.ImageAnalytics and Microsoft.ML.OnnxTransformer alone; before and after a save/load round trip
/// the same code scores. The score column's slot names and the predicted-label column's key values are the class
/// names (<see cref="ClassNames"/>).
/// <para>ML.NET's <c>ApplyOnnxModel</c> reads the network from a file (and again whenever the model is saved), which
/// lives under <c>MLContext.TempFilePath</c> while the model does (about 1.4 MB at width 0.25, 28 MB at full width) and
/// is deleted when the model is garbage collected or, at the latest, when the process exits normally.</para>
/// <para>This transformer is not <see cref="IDisposable"/> on purpose: ML.NET's <c>PredictionEngine</c> disposes the model it
/// was created from when it is disposed (dotnet/machinelearning#5945), and a fitted model must keep scoring after
/// <c>using var engine = mlContext.Model.CreatePredictionEngine&lt;TIn, TOut&gt;(model)</c>. A model loaded from its zip
/// holds ML.NET's own ONNX transformer instead, whose ONNX Runtime session such a disposal frees; create engines on a
/// loaded model with <c>new PredictionEngineOptions { OwnsTransformer = false }</c>.</para>
/// </remarks>
public sealed class InceptionTransformer : ITransformer
{
    private readonly TransformerChain<ITransformer> scoring;

    private readonly InceptionCheckpoint checkpoint;

    private readonly ScoringContext context;

    /// <summary>The file the ONNX Runtime session was created from; held so that it lives (for saving) as long as this model.</summary>
    private readonly TemporaryOnnxFile onnxFile;

    internal InceptionTransformer(
        (TransformerChain<ITransformer> Chain, TemporaryOnnxFile OnnxFile) scoring, byte[] onnxModel, InceptionCheckpoint checkpoint, int bestEpoch, IReadOnlyList<InceptionSkippedImage> skippedImages, ScoringContext context)
    {
        (this.scoring, onnxFile) = scoring;
        this.checkpoint = checkpoint;
        this.context = context;
        OnnxModel = onnxModel;
        BestEpoch = bestEpoch;
        SkippedImages = skippedImages;
    }

    /// <summary>
    /// The training and validation images <see cref="InceptionInvalidImageHandling.Skip"/> left out because they could
    /// not be loaded, in the order they were read; empty when every image loaded.
    /// </summary>
    public IReadOnlyList<InceptionSkippedImage> SkippedImages { get; }

    /// <summary>Class names in key order: slot i of the score column is the probability of class i.</summary>
    public IReadOnlyList<string> ClassNames => checkpoint.ClassNames;

    /// <summary>Metrics of every epoch that ran.</summary>
    public IReadOnlyList<InceptionEpochMetrics> History => checkpoint.History;

    /// <summary>The epoch whose weights the model holds (the best one with early stopping, else the last).</summary>
    public int BestEpoch { get; }

    /// <summary>Channels the network was trained on: 1 when every training image was grey, else 3.</summary>
    public int Channels => checkpoint.Network.InputChannels;

    /// <summary>Image height the network was trained on.</summary>
    public int ImageHeight => checkpoint.ImageHeight;

    /// <summary>Image width the network was trained on.</summary>
    public int ImageWidth => checkpoint.ImageWidth;

    /// <summary>Per-channel mean subtracted from the pixel values (part of the model).</summary>
    public IReadOnlyList<float> NormalizationMean => checkpoint.Metadata.Mean;

    /// <summary>Per-channel standard deviation the centred pixel values are divided by (part of the model).</summary>
    public IReadOnlyList<float> NormalizationStandardDeviation => checkpoint.Metadata.StandardDeviation;

    /// <summary>The views of each image this model scores and averages (see <see cref="InceptionOptions.TestTimeAugmentation"/>).</summary>
    public InceptionTestTimeAugmentation TestTimeAugmentation => context.Options.TestTimeAugmentation;

    /// <summary>How many views of each image the network scores: 1, 2 (flip), 10 (ten crops), or 48 or 144 (the paper's crops of a square or other image).</summary>
    public int TestTimeViewCount => TestTimeViews.Count(TestTimeAugmentation, ImageHeight, ImageWidth);

    /// <summary>The training options' column names and settings this model scores with.</summary>
    internal ScoringContext Context => context;

    /// <inheritdoc/>
    public bool IsRowToRowMapper => ((ITransformer)scoring).IsRowToRowMapper;

    /// <summary>The trained network as ONNX bytes: input normalisation, GoogLeNet with batch norm folded, softmax.</summary>
    internal byte[] OnnxModel { get; }

    /// <summary>
    /// Writes the trained network as an ONNX model: raw pixels in (<c>InceptionPixels</c>, N x C x H x W, values as
    /// the image column held them), softmax probabilities out (<c>probabilities</c>, N x classes, in key order).
    /// </summary>
    /// <param name="destination">The stream to write to.</param>
    /// <exception cref="ArgumentNullException"><paramref name="destination"/> is null.</exception>
    public void SaveOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(OnnxModel);
    }

    /// <summary>Writes the trained network as an ONNX model file (see <see cref="SaveOnnx(Stream)"/>); an existing file is replaced only once the new one is complete.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written; the message names the file, and a previous file is left intact.</exception>
    public void SaveOnnx(string path) => AtomicFile.Write(path, "ONNX", SaveOnnx);

    /// <summary>
    /// Writes the trained network's weights (its state_dict: for the TorchVision variant, torchvision's <c>googlenet</c> names)
    /// to a file: safetensors for a <c>.safetensors</c> path (Python reads it with <c>safetensors.torch.load_file</c>), otherwise
    /// TorchSharp's format (<c>Module.load</c> reads it); a <c>.pth</c> or <c>.pt</c> path is refused (torch.save's format, which
    /// the library reads but does not write). Another training run starts from it with
    /// <see cref="InceptionOptions.PretrainedWeights"/>; <see cref="GoogLeNetWeights.Load(GoogLeNet, string)"/> loads it into a network.
    /// An existing file is replaced only once the new one is complete.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or ends in <c>.pth</c> or <c>.pt</c>.</exception>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written; the message names the file, and a previous file is left intact.</exception>
    public void SaveWeights(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var weights = new MemoryStream(checkpoint.Weights, writable: false);
        WeightFile.Write(path, TorchSharpStateDictFormat.Read(weights, "the trained network's weights").Tensors);
    }

    /// <summary>The training state of this model (weights, optimiser state, options, class names), for <see cref="InceptionOptions.ResumeFrom"/>.</summary>
    /// <returns>The checkpoint.</returns>
    public InceptionCheckpoint ToCheckpoint() => checkpoint;

    /// <summary>Writes the training state (see <see cref="InceptionCheckpoint"/>) to a file; an existing file is replaced only once the new one is complete.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written; the message names the file, and a previous file is left intact.</exception>
    public void SaveCheckpoint(string path) => checkpoint.Save(path);

    /// <summary>
    /// The same trained network scoring with other test-time views: a new transformer whose ONNX graph averages the
    /// softmax over the views of <paramref name="augmentation"/>; this one is unchanged. Nothing is retrained.
    /// </summary>
    /// <param name="augmentation">The views to score.</param>
    /// <returns>The model with the new scoring.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The scheme is undefined or cannot crop this model's image size.</exception>
    public InceptionTransformer WithTestTimeAugmentation(InceptionTestTimeAugmentation augmentation)
    {
        if (!Enum.IsDefined(augmentation))
        {
            throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation, "Not a defined test-time augmentation.");
        }

        TestTimeViews.Require(augmentation, ImageHeight, ImageWidth);
        InceptionOptions options = context.Options.Clone();
        options.TestTimeAugmentation = augmentation;
        using GoogLeNet network = checkpoint.CreateNetwork();
        byte[] onnx = GoogLeNetOnnxExporter.Export(
            network, [.. NormalizationMean], [.. NormalizationStandardDeviation], ImageHeight, ImageWidth, ClassNames, augmentation);
        ScoringContext scoringContext = context with { Options = options };
        return new InceptionTransformer(ScoringChain.Build(scoringContext, onnx), onnx, checkpoint, BestEpoch, SkippedImages, scoringContext);
    }

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => scoring.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)scoring).GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => scoring.Transform(input);

    /// <inheritdoc/>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)scoring).Save(ctx);

}

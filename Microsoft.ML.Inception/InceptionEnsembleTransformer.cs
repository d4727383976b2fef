using System.Globalization;
using Microsoft.ML.Data;

namespace Microsoft.ML.Inception;

/// <summary>
/// Several trained Inception models scoring as one: the score column is the average of their softmax probabilities
/// (the GoogLeNet paper's ILSVRC 2014 entry averaged 7 models that differed only in sampling and data order).
/// Create it with <see cref="Combine"/>, or train the members with <c>mlContext.Transforms.InceptionEnsemble(...)</c>.
/// </summary>
/// <remarks>
/// Every member network is inside one ONNX graph that ends in the average, so the ensemble scores through the same
/// chain of stock ML.NET transformers as a single model (pixel extraction, <c>ApplyOnnxModel</c>, label head), saves
/// with <c>mlContext.Model.Save</c> and loads and scores without TorchSharp. Scoring costs the sum of the members'.
/// </remarks>
public sealed class InceptionEnsembleTransformer : ITransformer
{
    private readonly TransformerChain<ITransformer> scoring;

    /// <summary>The file the ONNX Runtime session was created from; held so that it lives (for saving) as long as this model.</summary>
    private readonly TemporaryOnnxFile onnxFile;

    private InceptionEnsembleTransformer(
        IReadOnlyList<InceptionTransformer> members, (TransformerChain<ITransformer> Chain, TemporaryOnnxFile OnnxFile) scoring, byte[] onnxModel, InceptionTestTimeAugmentation augmentation)
    {
        (this.scoring, onnxFile) = scoring;
        Members = members;
        OnnxModel = onnxModel;
        TestTimeAugmentation = augmentation;
    }

    /// <summary>The combined models, in the order given.</summary>
    public IReadOnlyList<InceptionTransformer> Members { get; }

    /// <summary>Class names in key order: slot i of the score column is the averaged probability of class i.</summary>
    public IReadOnlyList<string> ClassNames => Members[0].ClassNames;

    /// <summary>The views of each image every member scores before the averages are taken.</summary>
    public InceptionTestTimeAugmentation TestTimeAugmentation { get; }

    /// <inheritdoc/>
    public bool IsRowToRowMapper => ((ITransformer)scoring).IsRowToRowMapper;

    /// <summary>The ensemble as ONNX bytes.</summary>
    internal byte[] OnnxModel { get; }

    /// <summary>
    /// Combines trained models into one that averages their softmax probabilities. The members must have been trained
    /// on the same classes (same names, same key order), the same image size and channels, and with the same column names.
    /// </summary>
    /// <param name="members">At least two trained models.</param>
    /// <param name="augmentation">
    /// Test-time views every member scores; <see langword="null"/> takes the first member's.
    /// </param>
    /// <returns>The ensemble.</returns>
    /// <exception cref="ArgumentException">Fewer than two members, or members that differ in classes, image size, channels or columns.</exception>
    public static InceptionEnsembleTransformer Combine(IEnumerable<InceptionTransformer> members, InceptionTestTimeAugmentation? augmentation = null)
    {
        ArgumentNullException.ThrowIfNull(members);
        InceptionTransformer[] all = [.. members];
        if (all.Length < 2 || all.Any(m => m is null))
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"An ensemble needs at least two trained models, got {all.Count(m => m is not null)}."), nameof(members));
        }

        InceptionTransformer first = all[0];
        for (int i = 1; i < all.Length; i++)
        {
            RequireCompatible(first, all[i], i);
        }

        InceptionTestTimeAugmentation views = augmentation ?? first.TestTimeAugmentation;
        TestTimeViews.Require(views, first.ImageHeight, first.ImageWidth);
        var networks = new List<GoogLeNet>();
        try
        {
            var onnxMembers = new List<OnnxMember>();
            foreach (InceptionTransformer member in all)
            {
                GoogLeNet network = member.ToCheckpoint().CreateNetwork();
                networks.Add(network);
                onnxMembers.Add(new OnnxMember(network, [.. member.NormalizationMean], [.. member.NormalizationStandardDeviation]));
            }

            byte[] onnx = GoogLeNetOnnxExporter.Export(onnxMembers, first.ImageHeight, first.ImageWidth, first.ClassNames, views);
            InceptionOptions options = first.Context.Options.Clone();
            options.TestTimeAugmentation = views;
            return new InceptionEnsembleTransformer(all, ScoringChain.Build(first.Context with { Options = options }, onnx), onnx, views);
        }
        finally
        {
            foreach (GoogLeNet network in networks)
            {
                network.Dispose();
            }
        }
    }

    /// <summary>Writes the ensemble as one ONNX model: the same input and outputs as <see cref="InceptionTransformer.SaveOnnx(Stream)"/>.</summary>
    /// <param name="destination">The stream to write to.</param>
    public void SaveOnnx(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(OnnxModel);
    }

    /// <summary>Writes the ensemble as one ONNX model file; an existing file is replaced only once the new one is complete.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written; the message names the file, and a previous file is left intact.</exception>
    public void SaveOnnx(string path) => AtomicFile.Write(path, "ONNX", SaveOnnx);

    /// <inheritdoc/>
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => scoring.GetOutputSchema(inputSchema);

    /// <inheritdoc/>
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => ((ITransformer)scoring).GetRowToRowMapper(inputSchema);

    /// <inheritdoc/>
    public IDataView Transform(IDataView input) => scoring.Transform(input);

    /// <inheritdoc/>
    void ICanSaveModel.Save(ModelSaveContext ctx) => ((ICanSaveModel)scoring).Save(ctx);

    private static void RequireCompatible(InceptionTransformer first, InceptionTransformer member, int index)
    {
        string? problem = null;
        if (!first.ClassNames.SequenceEqual(member.ClassNames, StringComparer.Ordinal))
        {
            problem = $"classes [{string.Join(", ", member.ClassNames)}] where model 0 has [{string.Join(", ", first.ClassNames)}]";
        }
        else if (member.ImageHeight != first.ImageHeight || member.ImageWidth != first.ImageWidth)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{member.ImageWidth}x{member.ImageHeight} images where model 0 has {first.ImageWidth}x{first.ImageHeight}");
        }
        else if (member.Channels != first.Channels || member.Context.Image.IsImage != first.Context.Image.IsImage)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"{member.Channels} input channel(s) from {member.Context.Image.Describe()} where model 0 has {first.Channels} from {first.Context.Image.Describe()}");
        }
        else
        {
            InceptionOptions a = first.Context.Options;
            InceptionOptions b = member.Context.Options;
            (string Name, string First, string Member)[] columns =
            [
                (nameof(InceptionOptions.ImageColumnName), a.ImageColumnName, b.ImageColumnName),
                (nameof(InceptionOptions.LabelColumnName), a.LabelColumnName, b.LabelColumnName),
                (nameof(InceptionOptions.ScoreColumnName), a.ScoreColumnName, b.ScoreColumnName),
                (nameof(InceptionOptions.PredictedLabelColumnName), a.PredictedLabelColumnName, b.PredictedLabelColumnName),
            ];
            foreach ((string name, string expected, string actual) in columns.Where(c => c.First != c.Member))
            {
                problem = $"{name} '{actual}' where model 0 has '{expected}'";
                break;
            }
        }

        if (problem is not null)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Ensemble members must score alike: model {index} has {problem}."), "members");
        }
    }
}

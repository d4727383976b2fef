using Microsoft.ML.Data;

namespace Microsoft.ML.Inception;

/// <summary>
/// Builds the stock ML.NET chain a trained model scores with: pixel extraction (or a copy of the pixel vector),
/// <c>ApplyOnnxModel</c> with the exported network, the naive-Bayes label head, then the output columns under the
/// user's names. Every part is stock ML.NET, so the chain saves into a model zip and loads without this library.
/// </summary>
internal static class ScoringChain
{
    private const string HeadScore = DefaultColumnNames.Score;
    private const string HeadPredictedLabel = DefaultColumnNames.PredictedLabel;

    /// <summary>Builds the chain around <paramref name="onnx"/>; the returned file must outlive the chain (dispose it after the chain).</summary>
    public static (TransformerChain<ITransformer> Chain, TemporaryOnnxFile OnnxFile) Build(ScoringContext context, byte[] onnx)
    {
        (TransformsCatalog catalog, InceptionOptions options, ImageColumn image, int channels, ITransformer head, DataViewSchema inputSchema) = context;
        var parts = new List<ITransformer>();
        DataViewSchema schema = inputSchema;
        void Add(ITransformer transformer)
        {
            parts.Add(transformer);
            schema = transformer.GetOutputSchema(schema);
        }

        IDataView empty(DataViewSchema s) => new EmptyDataView(s);
        Add(image.IsImage
            ? ImageDataReader.ExtractPixels(catalog, options.ImageColumnName, channels).Fit(empty(schema))
            : catalog.CopyColumns(ImageDataReader.PixelColumn, options.ImageColumnName).Fit(empty(schema)));
        // From a file of our own rather than a stream: ML.NET copies a stream into a temporary file it never deletes.
        var onnxFile = new TemporaryOnnxFile(onnx, TemporaryFolder(catalog));
        try
        {
            Add(catalog.ApplyOnnxModel(
                [GoogLeNetOnnxExporter.ScoreOutput, GoogLeNetOnnxExporter.ArgmaxOutput],
                [GoogLeNetOnnxExporter.InputName],
                onnxFile.Path).Fit(empty(schema)));
            Add(head);
            IEstimator<ITransformer> tail = catalog.DropColumns(HeadScore, GoogLeNetOnnxExporter.ArgmaxOutput, ImageDataReader.PixelColumn)
                .Append(catalog.Concatenate(options.ScoreColumnName, GoogLeNetOnnxExporter.ScoreOutput))
                .Append(catalog.DropColumns(GoogLeNetOnnxExporter.ScoreOutput));
            if (options.PredictedLabelColumnName != HeadPredictedLabel)
            {
                tail = tail.Append(catalog.CopyColumns(options.PredictedLabelColumnName, HeadPredictedLabel))
                    .Append(catalog.DropColumns(HeadPredictedLabel));
            }

            Add(tail.Fit(empty(schema)));
            return (new TransformerChain<ITransformer>(parts.ToArray()), onnxFile);
        }
        catch
        {
            foreach (IDisposable part in parts.Where(p => !ReferenceEquals(p, head)).OfType<IDisposable>())
            {
                part.Dispose();
            }

            onnxFile.Dispose();
            throw;
        }
    }

    /// <summary>The MLContext's <c>TempFilePath</c> (where ML.NET keeps its own temporary files), else the system's.</summary>
    private static string TemporaryFolder(TransformsCatalog catalog) =>
        CatalogEnvironment.TempFilePath(catalog) is string folder && folder.Length > 0 ? folder : Path.GetTempPath();
}

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

    public static TransformerChain<ITransformer> Build(ScoringContext context, byte[] onnx)
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
        using (var model = new MemoryStream(onnx, writable: false))
        {
            Add(catalog.ApplyOnnxModel(
                [GoogLeNetOnnxExporter.ScoreOutput, GoogLeNetOnnxExporter.ArgmaxOutput],
                [GoogLeNetOnnxExporter.InputName],
                model).Fit(empty(schema)));
        }

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
        return new TransformerChain<ITransformer>(parts.ToArray());
    }
}

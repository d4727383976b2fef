using System.Reflection;
using Microsoft.ML.Data;

namespace Microsoft.ML.Inception;

/// <summary>
/// Produces the scalar <c>PredictedLabel</c> (with the label's key type and key values) from the ONNX model's
/// one-hot of the most probable class, using only stock ML.NET parts. ML.NET's ONNX transformer can only emit
/// vectors, and the constructors of its prediction transformers are internal; a multiclass naive Bayes model
/// fitted on the K one-hot vectors (one per class) maps each one-hot vector back to its class exactly, and its
/// prediction transformer is an ordinary, persistable ML.NET transformer.
/// </summary>
internal static class ClassifierHead
{
    public static ITransformer Fit(LabelColumn label, DataViewSchema.Column labelColumn, int seed)
    {
        var context = new MLContext(seed);
        int k = label.ClassCount;
        var definition = SchemaDefinition.Create(typeof(HeadRow));
        definition[nameof(HeadRow.Label)].ColumnType = label.Type;
        definition[nameof(HeadRow.InceptionArgmax)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        DataViewSchema.Column? keyValues = labelColumn.Annotations.Schema.GetColumnOrNull(AnnotationKind.KeyValues);
        if (keyValues is { Type: VectorDataViewType keyValuesType })
        {
            typeof(ClassifierHead).GetMethod(nameof(CopyKeyValues), BindingFlags.NonPublic | BindingFlags.Static)!
                .MakeGenericMethod(keyValuesType.ItemType.RawType)
                .Invoke(null, [labelColumn, definition[nameof(HeadRow.Label)], keyValuesType]);
        }

        var rows = Enumerable.Range(0, k).Select(c => new HeadRow
        {
            // LoadFromEnumerable reads a key-typed uint property as 0-based and stores it plus one.
            Label = (uint)c,
            InceptionArgmax = Enumerable.Range(0, k).Select(j => j == c ? 1f : 0f).ToArray(),
        });
        IDataView data = context.Data.LoadFromEnumerable(rows, definition);
        return context.MulticlassClassification.Trainers
            .NaiveBayes(nameof(HeadRow.Label), GoogLeNetOnnxExporter.ArgmaxOutput)
            .Fit(data);
    }

    private static void CopyKeyValues<T>(DataViewSchema.Column source, SchemaDefinition.Column target, VectorDataViewType type)
    {
        VBuffer<T> values = default;
        source.GetKeyValues(ref values);
        target.AddAnnotation(AnnotationKind.KeyValues, values, type);
    }

    private sealed class HeadRow
    {
        public uint Label { get; set; }

        public float[] InceptionArgmax { get; set; } = [];
    }
}

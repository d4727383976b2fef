using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Tests.Scoring;

/// <summary>
/// The label head turns the ONNX model's one-hot of the most probable class into ML.NET's <c>PredictedLabel</c> key with
/// stock parts only. It relies on three ML.NET behaviours pinned here: <c>LoadFromEnumerable</c> reads a key-typed
/// <c>uint</c> property as 0-based and stores it plus one, a key column's <c>KeyValues</c> annotation given in a
/// <c>SchemaDefinition</c> reaches the data view, and naive Bayes trained on the K one-hot vectors predicts each one's
/// class exactly, with the label's key type and key values.
/// </summary>
[TestClass]
public sealed class ClassifierHeadTests
{
    private static readonly string[] Classes = ["zebra", "ant", "moth"];

    [TestMethod]
    public void Fit_TextKeys_EachOneHotVectorPredictsItsClassWithTheLabelKeyValues()
    {
        var ml = new MLContext(seed: 1);
        IDataView keyed = Keyed(ml);
        DataViewSchema.Column label = keyed.Schema["Label"];

        ITransformer head = ClassifierHead.Fit(LabelColumn.Inspect(keyed.Schema, "Label"), label, seed: 1);
        IDataView scored = head.Transform(OneHotRows(ml, Classes.Length));

        DataViewSchema.Column predicted = scored.Schema[DefaultColumnNames.PredictedLabel];
        Assert.AreEqual(label.Type, predicted.Type, "PredictedLabel must have the label's key type.");
        VBuffer<ReadOnlyMemory<char>> keyValues = default;
        predicted.GetKeyValues(ref keyValues);
        CollectionAssert.AreEqual(Classes, keyValues.DenseValues().Select(v => v.ToString()).ToArray());
        CollectionAssert.AreEqual(new uint[] { 1, 2, 3 }, scored.GetColumn<uint>(DefaultColumnNames.PredictedLabel).ToArray(), "One-hot k must predict key k+1 (keys are 1-based, 0 is missing).");
    }

    [TestMethod]
    public void Inspect_NumericKeys_NamesClassesByTheirValues()
    {
        var ml = new MLContext(seed: 1);
        IDataView numbers = ml.Data.LoadFromEnumerable(new[] { 7f, 3f, 7f, 5f }.Select(v => new NumberLabel { Label = v }));
        IDataView keyed = ml.Transforms.Conversion.MapValueToKey("Label").Fit(numbers).Transform(numbers);

        LabelColumn label = LabelColumn.Inspect(keyed.Schema, "Label");

        CollectionAssert.AreEqual(new[] { "7", "3", "5" }, label.ClassNames.ToArray(), "MapValueToKey keys classes in order of first appearance; their values name them.");
    }

    private static IDataView Keyed(MLContext ml)
    {
        IDataView names = ml.Data.LoadFromEnumerable(Classes.Select(c => new TextLabel { Label = c }));
        return ml.Transforms.Conversion.MapValueToKey("Label").Fit(names).Transform(names);
    }

    private static IDataView OneHotRows(MLContext ml, int k)
    {
        var definition = SchemaDefinition.Create(typeof(OneHotRow));
        definition[GoogLeNetOnnxExporter.ArgmaxOutput].ColumnType = new VectorDataViewType(NumberDataViewType.Single, k);
        return ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, k).Select(c => new OneHotRow { InceptionArgmax = Enumerable.Range(0, k).Select(j => j == c ? 1f : 0f).ToArray() }),
            definition);
    }

    private sealed class TextLabel
    {
        public string Label { get; set; } = string.Empty;
    }

    private sealed class NumberLabel
    {
        public float Label { get; set; }
    }

    private sealed class OneHotRow
    {
        [ColumnName(GoogLeNetOnnxExporter.ArgmaxOutput)]
        public float[] InceptionArgmax { get; set; } = [];
    }
}

using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Scoring;

/// <summary>
/// Scoring new images, which have no label, with a saved model, and getting class names back. The label's key mapping
/// (MapValueToKey) is fitted on the data outside the saved pipeline, which starts at LoadImages and ends with
/// MapKeyToValue of PredictedLabel: the model needs only the image path, and the class names travel in the model (the
/// predicted label's key values). A model saved with MapValueToKey("Label") inside asks for a Label column even to score.
/// </summary>
[TestClass]
public sealed class UnlabelledScoringTests
{
    private static readonly MLContext Ml = new(seed: 4);
    private static ITransformer labelToKey = null!;
    private static ITransformer fitted = null!;
    private static string folder = null!;
    private static string zip = null!;
    private static string zipWithLabelMapping = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-unlabelled-").FullName;
        zip = Path.Combine(folder, "model.zip");
        zipWithLabelMapping = Path.Combine(folder, "model-with-label-mapping.zip");
        IDataView data = DigitsPipeline.SmallTrain(Ml, perClass: 20);
        labelToKey = LabelFreeDigitsPipeline.LabelToKey(Ml, data);
        fitted = LabelFreeDigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(labelToKey.Transform(data));
        Ml.Model.Save(fitted, data.Schema, zip);

        ITransformer withLabelMapping = DigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions())
            .Append(Ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(data);
        Ml.Model.Save(withLabelMapping, data.Schema, zipWithLabelMapping);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    private static IReadOnlyList<ImageRow> Labelled => DigitImages.Test.Take(40).ToList();

    private static IReadOnlyList<UnlabelledImageRow> Unlabelled => Labelled.Select(r => new UnlabelledImageRow { ImagePath = r.ImagePath }).ToList();

    [TestMethod]
    public void LoadedModel_PredictionEngineOnRowsWithoutLabel_ReturnsTheFittedModelsClassNames()
    {
        ITransformer loaded = new MLContext().Model.Load(zip, out _);
        using var fittedEngine = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(fitted);
        using var engine = Ml.Model.CreatePredictionEngine<UnlabelledImageRow, DigitPrediction>(loaded, new PredictionEngineOptions { OwnsTransformer = false });

        string[] expected = Labelled.Select(r => fittedEngine.Predict(r).PredictedLabel).ToArray();
        string[] actual = Unlabelled.Select(r => engine.Predict(r).PredictedLabel).ToArray();

        CollectionAssert.AreEqual(expected, actual);
        List<string> classNames = Enumerable.Range(0, 10).Select(d => d.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        CollectionAssert.IsSubsetOf(actual.Distinct().ToList(), classNames, "PredictedLabel holds class names.");
    }

    [TestMethod]
    public void LoadedModel_TransformOfRowsWithoutLabel_ClassNamesAndScoresWithSlotNames()
    {
        ITransformer loaded = new MLContext().Model.Load(zip, out _);

        IDataView scored = loaded.Transform(Ml.Data.LoadFromEnumerable(Unlabelled));

        Assert.IsNull(scored.Schema.GetColumnOrNull("Label"), "Nothing asked for a label.");
        Assert.AreEqual(TextDataViewType.Instance, scored.Schema["PredictedLabel"].Type);
        CollectionAssert.AreEqual(
            fitted.Transform(Ml.Data.LoadFromEnumerable(Labelled)).GetColumn<string>("PredictedLabel").ToArray(),
            scored.GetColumn<string>("PredictedLabel").ToArray());
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        scored.Schema["Score"].GetSlotNames(ref slotNames);
        Assert.HasCount(10, slotNames.DenseValues().ToList());
    }

    [TestMethod]
    public void LoadedModel_EvaluateWithTheLabelMappingAppliedToTheTestData_SameMetricsAsTheFittedModel()
    {
        ITransformer loaded = new MLContext().Model.Load(zip, out _);
        IDataView test = labelToKey.Transform(Ml.Data.LoadFromEnumerable(Labelled));

        MulticlassClassificationMetrics before = Ml.MulticlassClassification.Evaluate(fitted.Transform(test));
        MulticlassClassificationMetrics after = Ml.MulticlassClassification.Evaluate(loaded.Transform(test));

        Assert.AreEqual(before.MicroAccuracy, after.MicroAccuracy);
        Assert.AreEqual(before.LogLoss, after.LogLoss);
    }

    /// <summary>Why the label mapping stays outside the saved model: ML.NET's MapValueToKey needs its input column to score.</summary>
    [TestMethod]
    public void LoadedModelWithMapValueToKeyInside_RowsWithoutLabel_MLNetAsksForTheLabelColumn()
    {
        ITransformer loaded = new MLContext().Model.Load(zipWithLabelMapping, out _);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => loaded.Transform(Ml.Data.LoadFromEnumerable(Unlabelled)));

        StringAssert.Contains(e.Message, "Could not find input column 'Label'");
    }
}

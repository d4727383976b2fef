using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Scoring;

/// <summary>
/// <c>using var engine = mlContext.Model.CreatePredictionEngine(model)</c>, then the model again: a new engine, Transform
/// and Evaluate. ML.NET's PredictionEngine disposes the model it was created from when it is disposed, unless told it does
/// not own it (dotnet/machinelearning#5945). A fitted model survives that (the Inception transformer is deliberately not
/// disposable); a model loaded from its zip holds ML.NET's ONNX transformer, whose ONNX Runtime session goes with it, so
/// engines on loaded models are created with <c>OwnsTransformer = false</c>.
/// </summary>
[TestClass]
public sealed class PredictionEngineDisposalTests
{
    private static readonly MLContext Ml = new(seed: 3);
    private static ITransformer labelToKey = null!;
    private static ITransformer fitted = null!;
    private static string folder = null!;
    private static string zip = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-engine-disposal-").FullName;
        zip = Path.Combine(folder, "model.zip");
        IDataView data = DigitsPipeline.SmallTrain(Ml, perClass: 20);
        labelToKey = LabelFreeDigitsPipeline.LabelToKey(Ml, data);
        fitted = LabelFreeDigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(labelToKey.Transform(data));
        Ml.Model.Save(fitted, data.Schema, zip);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    private static IReadOnlyList<ImageRow> Rows => DigitImages.Test.Take(30).ToList();

    [TestMethod]
    public void FittedModel_DefaultEngineDisposed_ModelKeepsPredictingTransformingAndEvaluating()
    {
        string[] predicted;
        using (var engine = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(fitted))
        {
            predicted = Rows.Select(r => engine.Predict(r).PredictedLabel).ToArray();
        }

        AssertScoresAsBefore(fitted, predicted);
    }

    [TestMethod]
    public void LoadedModel_EngineNotOwningTheModelDisposed_ModelKeepsPredictingTransformingAndEvaluating()
    {
        ITransformer loaded = new MLContext(seed: 3).Model.Load(zip, out _);
        string[] predicted;
        using (var engine = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(loaded, new PredictionEngineOptions { OwnsTransformer = false }))
        {
            predicted = Rows.Select(r => engine.Predict(r).PredictedLabel).ToArray();
        }

        AssertScoresAsBefore(loaded, predicted);
    }

    /// <summary>
    /// ML.NET's behaviour that the idiom above works around, pinned: when a later ML.NET stops disposing the model with
    /// the engine, this fails, and the README can drop <c>OwnsTransformer = false</c>.
    /// </summary>
    [TestMethod]
    public void LoadedModel_DefaultEngineDisposed_MLNetHasDisposedTheModelsOnnxSession()
    {
        ITransformer loaded = new MLContext(seed: 3).Model.Load(zip, out _);
        using (var engine = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(loaded))
        {
            engine.Predict(Rows[0]);
        }

        Assert.Throws<Exception>(() => loaded.Transform(Ml.Data.LoadFromEnumerable(Rows)).GetColumn<float[]>("Score").ToList());
    }

    /// <summary>A new engine, Transform and Evaluate on <paramref name="model"/> all agree with what the disposed engine predicted.</summary>
    private static void AssertScoresAsBefore(ITransformer model, string[] predictedBefore)
    {
        using (var again = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(model, new PredictionEngineOptions { OwnsTransformer = false }))
        {
            CollectionAssert.AreEqual(predictedBefore, Rows.Select(r => again.Predict(r).PredictedLabel).ToArray(), "A new engine after the first was disposed.");
        }

        IDataView test = labelToKey.Transform(Ml.Data.LoadFromEnumerable(Rows));
        IDataView scored = model.Transform(test);
        CollectionAssert.AreEqual(predictedBefore, scored.GetColumn<string>("PredictedLabel").ToArray(), "Transform after the engine was disposed.");

        MulticlassClassificationMetrics metrics = Ml.MulticlassClassification.Evaluate(scored);
        double right = Rows.Where((r, i) => r.Label == predictedBefore[i]).Count() / (double)Rows.Count;
        Assert.AreEqual(right, metrics.MicroAccuracy, 1e-9, "Evaluate after the engine was disposed.");
    }
}

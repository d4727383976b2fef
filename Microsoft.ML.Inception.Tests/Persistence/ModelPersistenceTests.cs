using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Inception.Tests.Persistence;

/// <summary>
/// A pipeline ending in Inception saves to one ML.NET model zip, loads in a fresh MLContext and scores exactly as
/// before (in a separate process that references neither TorchSharp nor this library: <c>ServingExampleTests</c>).
/// </summary>
[TestClass]
public sealed class ModelPersistenceTests
{
    private static readonly MLContext Ml = new(seed: 5);
    private static ITransformer model = null!;
    private static string folder = null!;
    private static string zip = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-persistence-").FullName;
        zip = Path.Combine(folder, "model.zip");
        IDataView train = DigitsPipeline.SmallTrain(Ml, perClass: 30);
        model = DigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions())
            .Append(Ml.Transforms.Conversion.MapKeyToValue("PredictedLabel"))
            .Fit(train);
        Ml.Model.Save(model, train.Schema, zip);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Load_FreshContext_ScoresAndPredictedLabelsBitIdentical()
    {
        ITransformer loaded = new MLContext(seed: 99).Model.Load(zip, out _);
        IDataView test = DigitsPipeline.Test(Ml);

        float[][] before = model.Transform(test).GetColumn<float[]>("Score").ToArray();
        float[][] after = loaded.Transform(test).GetColumn<float[]>("Score").ToArray();
        string[] labelsBefore = model.Transform(test).GetColumn<string>("PredictedLabel").ToArray();
        string[] labelsAfter = loaded.Transform(test).GetColumn<string>("PredictedLabel").ToArray();

        Assert.HasCount(before.Length, after);
        for (int i = 0; i < before.Length; i++)
        {
            CollectionAssert.AreEqual(before[i], after[i], $"Row {i}: scores differ after save and load.");
        }

        CollectionAssert.AreEqual(labelsBefore, labelsAfter);
        CollectionAssert.AreEqual(SlotNames(model.Transform(test)), SlotNames(loaded.Transform(test)), "Score's slot names should survive save and load.");
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(d => d.ToString(CultureInfo.InvariantCulture)).ToList(), SlotNames(loaded.Transform(test)));
    }

    private static List<string> SlotNames(IDataView scored)
    {
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["Score"].GetSlotNames(ref names);
        return names.DenseValues().Select(n => n.ToString()).ToList();
    }

    [TestMethod]
    public void Load_Evaluate_MetricsIdentical()
    {
        ITransformer loaded = new MLContext().Model.Load(zip, out _);
        IDataView test = DigitsPipeline.Test(Ml);
        ITransformer toKey = Ml.Transforms.Conversion.MapValueToKey("PredictedLabel").Fit(model.Transform(test));

        MulticlassClassificationMetrics before = Ml.MulticlassClassification.Evaluate(toKey.Transform(model.Transform(test)));
        MulticlassClassificationMetrics after = Ml.MulticlassClassification.Evaluate(toKey.Transform(loaded.Transform(test)));

        Assert.AreEqual(before.MicroAccuracy, after.MicroAccuracy);
        Assert.AreEqual(before.MacroAccuracy, after.MacroAccuracy);
        Assert.AreEqual(before.LogLoss, after.LogLoss);
    }

    [TestMethod]
    public void Load_PredictionEngine_PredictsAsTheOriginal()
    {
        ITransformer loaded = new MLContext().Model.Load(zip, out _);
        using var original = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(model);
        using var reloaded = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(loaded);

        foreach (ImageRow row in DigitImages.Test.Take(20))
        {
            DigitPrediction a = original.Predict(row);
            DigitPrediction b = reloaded.Predict(row);
            Assert.AreEqual(a.PredictedLabel, b.PredictedLabel);
            CollectionAssert.AreEqual(a.Score, b.Score);
        }
    }

    [TestMethod]
    public void Load_SavedChain_HoldsOnlyStockMlNetTransformers()
    {
        ITransformer loaded = new MLContext().Model.Load(zip, out _);

        var types = Flatten(loaded).Select(t => t.GetType().Assembly.GetName().Name!).Distinct().ToList();

        Assert.IsFalse(types.Any(name => name.Contains("Inception", StringComparison.Ordinal) || name.Contains("TorchSharp", StringComparison.Ordinal)), string.Join(", ", types));
        Assert.IsTrue(types.All(name => name.StartsWith("Microsoft.ML", StringComparison.Ordinal)), string.Join(", ", types));
    }

    [TestMethod]
    public void SaveOnnx_File_LoadsInOnnxRuntimeWithAllOptimisations()
    {
        var inception = (InceptionTransformer)Flatten(model).Single(t => t is InceptionTransformer);
        string path = Path.Combine(folder, "network.onnx");

        inception.SaveOnnx(path);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(path, options);

        CollectionAssert.AreEqual(new[] { -1, 1, 32, 32 }, session.InputMetadata[GoogLeNetOnnxExport.InputName].Dimensions);
        CollectionAssert.AreEqual(new[] { -1, 10 }, session.OutputMetadata[GoogLeNetOnnxExport.ProbabilitiesOutputName].Dimensions);
        Assert.IsEmpty(Directory.GetFiles(folder, "*.tmp"), "No temporary file may be left behind.");
    }

    [TestMethod]
    public void SaveOnnx_IntoAMissingFolder_ThrowsAndLeavesNothing()
    {
        var inception = (InceptionTransformer)Flatten(model).Single(t => t is InceptionTransformer);
        string path = Path.Combine(folder, "missing", "network.onnx");

        Assert.ThrowsExactly<DirectoryNotFoundException>(() => inception.SaveOnnx(path));
        Assert.IsFalse(Directory.Exists(Path.Combine(folder, "missing")));
    }

    [TestMethod]
    public void Load_TruncatedZip_SaysItIsNotAZipArchive()
    {
        string truncated = Path.Combine(folder, "truncated.zip");
        byte[] bytes = File.ReadAllBytes(zip);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var e = Assert.ThrowsExactly<FormatException>(() => new MLContext().Model.Load(truncated, out _));

        StringAssert.Contains(e.Message, "Failed to open a zip archive");
    }

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) => transformer switch
    {
        IEnumerable<ITransformer> chain => chain.SelectMany(Flatten).Prepend(transformer),
        _ => [transformer],
    };
}

using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Transfer;

/// <summary>A weight file whose classifiers are for as many classes as the label has keeps them, and the log says so and why.</summary>
[TestClass]
public sealed class PretrainedClassifierTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-pretrained-classifier-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void PretrainedWeights_ClassifierForAsManyClasses_LogsThatItIsKeptAndWhy()
    {
        string weights = Path.Combine(folder, "digits.safetensors");
        var ml = new MLContext(seed: 1);
        DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(DigitsPipeline.SmallTrain(ml, perClass: 2)).LastTransformer.SaveWeights(weights);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.PretrainedWeights = weights;
        var log = new List<string>();
        ml.Log += (_, e) => log.Add(e.Message);

        DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, perClass: 2));

        string kept = log.SingleOrDefault(m => m.Contains("classifiers", StringComparison.Ordinal) && m.Contains("are kept", StringComparison.Ordinal))
            ?? throw new AssertFailedException("No log line says that the file's classifiers were kept:\n" + string.Join("\n", log.Where(m => m.Contains(weights, StringComparison.Ordinal) || m.Contains("classifier", StringComparison.Ordinal))));
        StringAssert.Contains(kept, "are for 10 classes, as many as label column 'Label' has");
        StringAssert.Contains(kept, "the file names no classes");
    }
}

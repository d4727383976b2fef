using System.Globalization;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>
/// examples/Serving, built and run as a user runs it: a model zip and a folder of images that have no labels (not the
/// folder the model was trained from), one line per image with the class name, scored with ML.NET and ONNX Runtime only.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Builds examples/Serving and runs it in child processes.
public sealed class ServingExampleTests
{
    private static readonly MLContext Ml = new(seed: 6);
    private static ITransformer fitted = null!;
    private static string folder = null!;
    private static string zip = null!;
    private static string zipWithLabelMapping = null!;
    private static string serving = null!;

    [ClassInitialize]
    public static void TrainSaveAndBuild(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-serving-").FullName;
        zip = Path.Combine(folder, "model.zip");
        zipWithLabelMapping = Path.Combine(folder, "model-with-label-mapping.zip");
        IDataView data = DigitsPipeline.SmallTrain(Ml, perClass: 20);
        ITransformer labelToKey = LabelFreeDigitsPipeline.LabelToKey(Ml, data);
        fitted = LabelFreeDigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(labelToKey.Transform(data));
        Ml.Model.Save(fitted, data.Schema, zip);
        Ml.Model.Save(DigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(data), data.Schema, zipWithLabelMapping);

        string output = Path.Combine(folder, "serving-bin");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "build", Path.Combine(BuildMetadata.RepositoryRoot, "examples", "Serving"), "-c", "Release", "-o", output);
        serving = Path.Combine(output, "Serving.dll");
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Build_HoldsNeitherTorchSharpNorThisLibrary()
    {
        string[] files = Directory.GetFiles(Path.GetDirectoryName(serving)!, "*", SearchOption.AllDirectories).Select(Path.GetFileName).ToArray()!;

        Assert.IsFalse(
            files.Any(f => f.Contains("TorchSharp", StringComparison.OrdinalIgnoreCase) || f.Contains("libtorch", StringComparison.Ordinal) || f.Contains("Inception", StringComparison.Ordinal)),
            "The serving build must not contain TorchSharp, libtorch or Microsoft.ML.Inception.");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Run_FolderOfUnlabelledImages_PrintsEachImagesClassAsTheFittedModelPredictsIt()
    {
        string images = CopyTestImages(Path.Combine(folder, "new-images"));
        string[] relative = Directory.GetFiles(images, "*.png", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(images, f)).Order(StringComparer.Ordinal).ToArray();

        string printed = DotnetCli.Run(folder, "exec", serving, zip, images);

        CollectionAssert.AreEqual(Expected(images, relative), Lines(printed));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Run_NamedFiles_PrintsThoseInTheGivenOrder()
    {
        string images = CopyTestImages(Path.Combine(folder, "named-images"));
        string[] named = [Path.Combine("b", "5.png"), Path.Combine("a", "0.png")];

        string printed = DotnetCli.Run(folder, "exec", serving, zip, images, named[0], named[1]);

        CollectionAssert.AreEqual(Expected(images, named), Lines(printed));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Run_ModelWithTheLabelMappingInside_ExitsWithAnErrorThatSaysHowToSaveIt()
    {
        string images = CopyTestImages(Path.Combine(folder, "images-for-old-model"));

        ProcessResult result = DotnetCli.Execute(folder, ["exec", serving, zipWithLabelMapping, images]);

        Assert.AreEqual(1, result.ExitCode, result.Output + result.Error);
        StringAssert.Contains(result.Error, "Could not find input column 'Label'");
        StringAssert.Contains(result.Error, "MapValueToKey(\"Label\") on the training data outside the saved pipeline");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Run_MissingImageFolder_ExitsWithAnError()
    {
        ProcessResult result = DotnetCli.Execute(folder, ["exec", serving, zip, Path.Combine(folder, "no-such-folder")]);

        Assert.AreNotEqual(0, result.ExitCode);
        StringAssert.Contains(result.Error, "no-such-folder");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Run_NamedFileMissing_ExitsWithAnErrorNamingIt()
    {
        string images = CopyTestImages(Path.Combine(folder, "images-with-one-missing"));

        ProcessResult result = DotnetCli.Execute(folder, ["exec", serving, zip, images, Path.Combine("a", "0.png"), Path.Combine("a", "missing.png")]);

        Assert.AreEqual(1, result.ExitCode, result.Output + result.Error);
        StringAssert.Contains(result.Error, "'a/missing.png' does not exist");
        Assert.AreEqual(string.Empty, result.Output, "Nothing is scored when a named file is missing.");
    }

    /// <summary>Eight held-out digits copied, without labels, into two subfolders of a folder the model has never seen.</summary>
    private static string CopyTestImages(string target)
    {
        for (int i = 0; i < 8; i++)
        {
            string file = Path.Combine(target, i < 4 ? "a" : "b", $"{i}.png");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.Copy(Path.Combine(DigitImages.Folder, DigitImages.Test[i * 19].ImagePath), file);
        }

        return target;
    }

    /// <summary>What Serving must print: the fitted model's class and top probability for each file, in process.</summary>
    private static string[] Expected(string images, IEnumerable<string> relative)
    {
        using var engine = Ml.Model.CreatePredictionEngine<UnlabelledImageRow, DigitPrediction>(fitted);
        return relative.Select(r =>
        {
            DigitPrediction p = engine.Predict(new UnlabelledImageRow { ImagePath = Path.Combine(images, r) });
            return string.Create(CultureInfo.InvariantCulture, $"{r}\t{p.PredictedLabel}\t{p.Score.Max():R}");
        }).ToArray();
    }

    private static string[] Lines(string printed) =>
        printed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
}

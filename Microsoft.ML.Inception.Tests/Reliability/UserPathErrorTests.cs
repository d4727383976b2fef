using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Paths given to the public API that are not what it expects: a folder where a file belongs, a file in a folder that
/// does not exist. Errors name the user's path and say what is wrong, never the temporary file a save writes first.
/// </summary>
[TestClass]
public sealed class UserPathErrorTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-paths-").FullName;

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void SaveAtomically_ToAFolder_SaysItIsAFolder()
    {
        (ITransformer model, DataViewSchema schema) = TrivialModel();
        string target = Directory.CreateDirectory(Path.Combine(folder, "model.zip")).FullName;

        IOException e = Assert.ThrowsExactly<IOException>(() => new MLContext().Model.SaveAtomically(model, schema, target));

        Assert.AreEqual($"'{target}' is a directory; expected a model zip file to write.", e.Message);
        Assert.IsEmpty(Directory.GetFileSystemEntries(folder, "*.tmp"), "No temporary file may be left behind.");
    }

    [TestMethod]
    public void SaveAtomically_IntoAMissingFolder_NamesTheUsersFileNotTheTemporaryOne()
    {
        (ITransformer model, DataViewSchema schema) = TrivialModel();
        string target = Path.Combine(folder, "missing", "model.zip");

        var e = Assert.ThrowsExactly<DirectoryNotFoundException>(() => new MLContext().Model.SaveAtomically(model, schema, target));

        Assert.AreEqual($"Could not write the model zip file '{target}': the folder '{Path.GetDirectoryName(target)}' does not exist.", e.Message);
    }

    [TestMethod]
    public void GoogLeNetWeightsSave_ToAFolder_SaysItIsAFolder()
    {
        using var network = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 2, WidthMultiplier = 0.125, AuxiliaryClassifiers = false });
        string target = Directory.CreateDirectory(Path.Combine(folder, "weights.safetensors")).FullName;

        IOException e = Assert.ThrowsExactly<IOException>(() => GoogLeNetWeights.Save(network, target));

        Assert.AreEqual($"'{target}' is a directory; expected a weights file to write.", e.Message);
    }

    [TestMethod]
    public void InceptionCheckpointLoad_AFolder_SaysItIsAFolder()
    {
        string target = Directory.CreateDirectory(Path.Combine(folder, "checkpoint.zip")).FullName;

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => InceptionCheckpoint.Load(target));

        Assert.AreEqual($"'{target}' is a directory; expected a checkpoint file.", e.Message);
    }

    [TestMethod]
    public void InceptionCheckpointLoad_MissingFile_NamesTheFileAsACheckpoint()
    {
        string target = Path.Combine(folder, "no-such-checkpoint.zip");

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => InceptionCheckpoint.Load(target));

        Assert.AreEqual($"Could not find the checkpoint file '{target}'.", e.Message);
    }

    [TestMethod]
    public void Fit_PretrainedWeightsIsAFolder_SaysItIsAFolderBeforeReadingImages()
    {
        string target = Directory.CreateDirectory(Path.Combine(folder, "pretrained.safetensors")).FullName;
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.PretrainedWeights = target;

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, perClass: 2)));

        Assert.AreEqual($"'{target}' is a directory; expected a pretrained weights file.", e.Message);
    }

    [TestMethod]
    public void Fit_ResumeFromIsAFolder_SaysItIsAFolderBeforeReadingImages()
    {
        string target = Directory.CreateDirectory(Path.Combine(folder, "resume.zip")).FullName;
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ResumeFrom = target;

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, perClass: 2)));

        Assert.AreEqual($"'{target}' is a directory; expected a checkpoint file.", e.Message);
    }

    /// <summary>A fitted stock transform: enough for what a save does with files.</summary>
    private static (ITransformer Model, DataViewSchema Schema) TrivialModel()
    {
        var ml = new MLContext();
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new Row { Value = 1 } });
        return (ml.Transforms.CopyColumns("Copy", nameof(Row.Value)).Fit(data), data.Schema);
    }

    private sealed class Row
    {
        public float Value { get; set; }
    }
}

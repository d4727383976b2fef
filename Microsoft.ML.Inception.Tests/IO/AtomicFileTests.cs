using System.Runtime.Versioning;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.IO;

/// <summary>
/// The files a user saves over belong to the user: every save of the library (model zip, checkpoint, weights, ONNX)
/// keeps an existing file's permissions and writes through a symbolic link to its target, as ML.NET's own
/// <c>Model.Save</c> does, while still replacing the file only once the new one is complete.
/// </summary>
[TestClass]
[UnsupportedOSPlatform("windows")] // Skipped there: Unix file modes, and symbolic links as an unprivileged user.
public sealed class AtomicFileTests
{
    private static string folder = null!;
    private static InceptionTransformer model = null!;
    private static ITransformer chain = null!;
    private static DataViewSchema schema = null!;
    private static MLContext ml = null!;

    [ClassInitialize]
    public static void Train(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-atomic-file-").FullName;
        ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml, perClass: 5);
        var fitted = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(train);
        (model, chain, schema) = (fitted.LastTransformer, fitted, train.Schema);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    [DataRow("SaveAtomically")]
    [DataRow("SaveCheckpoint")]
    [DataRow("SaveWeights")]
    [DataRow("SaveOnnx")]
    public void Save_OverAFileOfMode0600_KeepsMode0600(string save)
    {
        SkipOnWindows();
        string path = Path.Combine(folder, $"private-{save}{Extension(save)}");
        File.WriteAllText(path, "the previous file");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Save(save, path);

        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.AreNotEqual("the previous file", File.ReadAllText(path), "The file was replaced.");
    }

    [TestMethod]
    [DataRow("SaveAtomically")]
    [DataRow("SaveCheckpoint")]
    [DataRow("SaveWeights")]
    [DataRow("SaveOnnx")]
    public void Save_OverASymbolicLink_WritesTheTargetAndKeepsTheLink(string save)
    {
        SkipOnWindows();
        string targets = Directory.CreateDirectory(Path.Combine(folder, $"targets-{save}")).FullName;
        string target = Path.Combine(targets, $"real{Extension(save)}");
        File.WriteAllText(target, "the previous file");
        File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);

        // A chain of two links, the second relative to its own folder: the save follows both.
        string middle = Path.Combine(targets, $"middle{Extension(save)}");
        File.CreateSymbolicLink(middle, Path.GetFileName(target));
        string link = Path.Combine(folder, $"link-{save}{Extension(save)}");
        File.CreateSymbolicLink(link, middle);

        Save(save, link);

        Assert.IsNotNull(new FileInfo(link).LinkTarget, "The link is still a link.");
        Assert.IsNotNull(new FileInfo(middle).LinkTarget, "The link it points to is still a link.");
        Assert.AreNotEqual("the previous file", File.ReadAllText(target), "The target was replaced.");
        Assert.AreEqual(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(target));
        CollectionAssert.AreEquivalent(new[] { target, middle }, Directory.GetFiles(targets), "No temporary file is left next to the target.");
    }

    [TestMethod]
    public void Write_OverALinkToAFileThatDoesNotExistYet_CreatesTheTarget()
    {
        SkipOnWindows();
        string target = Path.Combine(folder, "created-through-a-link.bin");
        string link = Path.Combine(folder, "dangling.bin");
        File.CreateSymbolicLink(link, target);

        AtomicFile.Write(link, "test", stream => stream.Write("new"u8));

        Assert.AreEqual("new", File.ReadAllText(target));
        Assert.IsNotNull(new FileInfo(link).LinkTarget, "The link is still a link.");
    }

    [TestMethod]
    public void Write_WhereNoFileExists_CreatesIt()
    {
        string path = Path.Combine(folder, "new.bin");

        AtomicFile.Write(path, "test", stream => stream.Write("new"u8));

        Assert.AreEqual("new", File.ReadAllText(path));
    }

    private static void Save(string save, string path)
    {
        switch (save)
        {
            case "SaveAtomically":
                ml.Model.SaveAtomically(chain, schema, path);
                break;
            case "SaveCheckpoint":
                model.SaveCheckpoint(path);
                break;
            case "SaveWeights":
                model.SaveWeights(path);
                break;
            default:
                model.SaveOnnx(path);
                break;
        }
    }

    private static string Extension(string save) => save switch
    {
        "SaveAtomically" => ".zip",
        "SaveCheckpoint" => ".ckpt",
        "SaveWeights" => ".safetensors",
        _ => ".onnx",
    };

    private static void SkipOnWindows()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Inconclusive("Unix file modes and symbolic links as an unprivileged user are Unix behaviour.");
        }
    }
}

using System.Text.RegularExpressions;
using SkiaSharp;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>
/// The Fashion-MNIST example's <c>--data DIR</c> on bad input, run as a user runs it (a child process of the built
/// example). The good images are the real photos of <c>examples/data/photos</c>: JPEG, grey, RGBA, palette, 16-bit,
/// BMP and GIF, from 20x30 to 1200x800, portrait and landscape. Broken files are added to a copy of them.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Builds examples/FashionMnist and runs it in child processes.
public sealed class FashionMnistDataOptionTests
{
    private static readonly string[] Broken = [Path.Combine("cat", "corrupt.jpg"), Path.Combine("coffee", "empty.png"), Path.Combine("rocket", "not-an-image.png")];
    private static string folder = null!;
    private static string program = null!;
    private static string mixedOutput = null!;
    private static ProcessResult mixed = null!;

    private static string Photos => Path.Combine(BuildMetadata.RepositoryRoot, "examples", "data", "photos");

    /// <summary>Builds the example once and trains it once on the photos plus broken and non-image files.</summary>
    [ClassInitialize]
    public static void BuildAndRunOnMixedPhotos(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-data-option-").FullName;
        string project = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "FashionMnist");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "build", project, "-c", "Release");
        program = Path.Combine(project, "bin", "Release", "net10.0", "FashionMnist.dll");

        string root = CopyPhotos("mixed", "cat", "coffee", "rocket");
        byte[] jpeg = File.ReadAllBytes(Path.Combine(root, "cat", "chelsea.jpg"));
        File.WriteAllBytes(Path.Combine(root, Broken[0]), jpeg[..(jpeg.Length / 4)]);  // header intact, pixels cut short
        File.WriteAllBytes(Path.Combine(root, Broken[1]), []);
        File.WriteAllText(Path.Combine(root, Broken[2]), "plain text under an image name");
        File.WriteAllText(Path.Combine(root, "rocket", "notes.txt"), "launch notes");
        File.WriteAllBytes(Path.Combine(root, "cat", "Thumbs.db"), [0, 1, 2]);
        File.WriteAllBytes(Path.Combine(root, "coffee", ".DS_Store"), [0, 1, 2]);
        mixedOutput = Path.Combine(folder, "mixed-output");
        mixed = RunExample("--data", root, "--epochs", "1", "--width", "0.125", "--size", "32", "--batch", "8", "--output", mixedOutput);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Data_MixedPhotosWithBrokenFiles_ExitsWithZero() =>
        Assert.AreEqual(0, mixed.ExitCode, $"The example failed:\n{mixed.Output}\n{mixed.Error}");

    [TestMethod]
    public void Data_MixedPhotosWithBrokenFiles_OneWarningNamesEveryBrokenFile()
    {
        string[] errorLines = Lines(mixed.Error);

        Assert.HasCount(1, errorLines, $"Expected one warning line on standard error, got:\n{mixed.Error}");
        StringAssert.StartsWith(errorLines[0], "warning: skipped 3 image file(s)");
        foreach (string file in Broken)
        {
            StringAssert.Contains(errorLines[0], file);
        }
    }

    [TestMethod]
    public void Data_MixedPhotosWithBrokenFiles_TrainsOnEveryPhotoAndIgnoresOtherFiles()
    {
        StringAssert.Contains(Flat(mixed.Output), "3 classes, 17 images (2 files without an image extension ignored).");
        StringAssert.Contains(Flat(mixed.Output), "14 training and 3 held-out test images");
    }

    [TestMethod]
    public void Data_MixedPhotosWithBrokenFiles_PrintsTestAccuracyAndSavesTheModel()
    {
        StringAssert.Matches(Flat(mixed.Output), new Regex(@"Test accuracy: \d+\.\d+ % on 3 test images"));
        Assert.IsTrue(File.Exists(Path.Combine(mixedOutput, "model.zip")), $"No model.zip in {mixedOutput}:\n{mixed.Output}");
    }

    [TestMethod]
    public void Data_OneEpoch_PlotsMarkTrainingAndTestValuesOfTheEpoch()
    {
        // One epoch gives one point per curve, which only a marker shows. Series colours (examples/FashionMnist/Plots.cs):
        // training blue, test orange (drawn only when the test set was scored after the epoch), and the fitted model's
        // test accuracy a red diamond. Solid pixels of a colour come from its markers and legend entry.
        var training = new SKColor(0x1f, 0x77, 0xb4);
        var test = new SKColor(0xff, 0x7f, 0x0e);
        var fitted = new SKColor(0xd6, 0x27, 0x28);

        Assert.IsGreaterThan(40, Pixels("loss.png", training), "loss.png: training loss");
        Assert.IsGreaterThan(40, Pixels("loss.png", test), "loss.png: test loss of the epoch");
        Assert.IsGreaterThan(40, Pixels("accuracy.png", training), "accuracy.png: training accuracy");
        Assert.IsGreaterThan(40, Pixels("accuracy.png", test), "accuracy.png: test accuracy of the epoch");
        Assert.IsGreaterThan(40, Pixels("accuracy.png", fitted), "accuracy.png: the fitted model's test accuracy");
        using SKBitmap confusion = SKBitmap.Decode(Path.Combine(mixedOutput, "confusion-matrix.png"));
        Assert.IsNotNull(confusion, "confusion-matrix.png should be a PNG.");
    }

    [TestMethod]
    public void Data_MissingFolder_FailsWithOneLineError()
    {
        string missing = Path.Combine(folder, "no-such-folder");

        ProcessResult run = RunExample("--data", missing);

        Assert.AreEqual(1, run.ExitCode);
        CollectionAssert.AreEqual(new[] { $"error: --data folder '{missing}' does not exist." }, Lines(run.Error));
    }

    [TestMethod]
    public void Data_OneClassFolder_FailsWithOneLineError()
    {
        string root = CopyPhotos("one-class", "cat");

        ProcessResult run = RunExample("--data", root);

        Assert.AreEqual(1, run.ExitCode);
        string[] errorLines = Lines(run.Error);
        Assert.HasCount(1, errorLines, run.Error);
        StringAssert.StartsWith(errorLines[0], $"error: --data folder '{root}' has 1 class subfolder(s) with images");
        StringAssert.EndsWith(errorLines[0], "at least two are needed.");
    }

    [TestMethod]
    public void Data_SecondClassAllUnreadable_WarnsThenFails()
    {
        string root = CopyPhotos("one-readable-class", "cat");
        Directory.CreateDirectory(Path.Combine(root, "scans"));
        File.WriteAllBytes(Path.Combine(root, "scans", "empty.png"), []);
        File.WriteAllText(Path.Combine(root, "scans", "page.jpg"), "not a JPEG");

        ProcessResult run = RunExample("--data", root);

        Assert.AreEqual(1, run.ExitCode);
        string[] errorLines = Lines(run.Error);
        Assert.HasCount(2, errorLines, run.Error);
        StringAssert.StartsWith(errorLines[0], "warning: skipped 2 image file(s)");
        StringAssert.EndsWith(errorLines[0], "left out class(es) with no readable image: scans.");
        StringAssert.Contains(errorLines[1], "has 1 class subfolder(s) with images");
        StringAssert.Contains(errorLines[1], "after skipping 2 that cannot be decoded; at least two are needed.");
    }

    /// <summary>How many pixels of a plot the example wrote have exactly <paramref name="colour"/>.</summary>
    private static int Pixels(string plot, SKColor colour)
    {
        using SKBitmap? bitmap = SKBitmap.Decode(Path.Combine(mixedOutput, plot));
        Assert.IsNotNull(bitmap, $"{plot} should be a PNG in {mixedOutput}:\n{mixed.Output}");
        return bitmap.Pixels.Count(p => p.Red == colour.Red && p.Green == colour.Green && p.Blue == colour.Blue);
    }

    private static ProcessResult RunExample(params string[] arguments) =>
        DotnetCli.Execute(folder, ["exec", program, .. arguments], TimeSpan.FromMinutes(5));

    /// <summary>Copies class folders of the committed photos into a new tree under the test's temporary folder.</summary>
    private static string CopyPhotos(string name, params string[] classes)
    {
        string root = Path.Combine(folder, name);
        foreach (string className in classes)
        {
            Directory.CreateDirectory(Path.Combine(root, className));
            foreach (string file in Directory.GetFiles(Path.Combine(Photos, className)))
            {
                File.Copy(file, Path.Combine(root, className, Path.GetFileName(file)));
            }
        }

        return root;
    }

    /// <summary>The output with its line breaks undone: the console wraps long lines at 120 columns, at a space.</summary>
    private static string Flat(string text) => Regex.Replace(text, @"\s+", " ");

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Training data with files that are not images, or not whole ones: <see cref="InceptionOptions.InvalidImages"/>
/// chooses between an error that names the file and training on the rest with a report of what was left out.
/// </summary>
[TestClass]
public sealed class InvalidImageTests
{
    private static readonly string[] BadFiles = ["bad/empty.png", "bad/text.png", "bad/truncated.png", "bad/missing.png"];
    private static List<ImageRow> rows = null!;

    [ClassInitialize]
    public static void WriteBadFiles(TestContext context)
    {
        string bad = Path.Combine(DigitImages.Folder, "bad");
        Directory.CreateDirectory(bad);
        File.WriteAllBytes(Path.Combine(bad, "empty.png"), []);
        File.WriteAllText(Path.Combine(bad, "text.png"), "These are my notes, not an image.");
        byte[] png = File.ReadAllBytes(Path.Combine(DigitImages.Folder, DigitImages.Train[0].ImagePath));
        File.WriteAllBytes(Path.Combine(bad, "truncated.png"), png[..40]);
        byte[] jpeg = File.ReadAllBytes(Path.Combine(BuildMetadata.RepositoryRoot, "examples", "data", "photos", "cat", "chelsea.jpg"));
        File.WriteAllBytes(Path.Combine(bad, "cut.jpg"), jpeg[..(jpeg.Length / 4)]);  // header intact, pixels cut short

        // The good digits, with the four bad files among them (rows 25, 75, 125 and 175).
        rows = [.. DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(20))];
        for (int i = 0; i < BadFiles.Length; i++)
        {
            rows.Insert(25 + (50 * i), new ImageRow { ImagePath = BadFiles[i], Label = "3" });
        }
    }

    [TestMethod]
    public void Fit_UnreadableImageByDefault_FailsNamingTheFileBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);
        var epochs = 0;
        options.EpochCompleted = _ => epochs++;

        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(rows)));

        StringAssert.Contains(e.Message, "'bad/empty.png' (row 25)");
        StringAssert.Contains(e.Message, "InvalidImages to Skip");
        Assert.AreEqual(0, epochs, "The error comes while reading the images, before any training.");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_SkipUnreadableImages_TrainsOnTheRestAndReportsEveryOne()
    {
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        var infos = new List<string>();
        ml.Log += (_, e) => (e.Kind == ChannelMessageKind.Warning ? warnings : infos).Add(e.Message);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.InvalidImages = InceptionInvalidImageHandling.Skip;
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);

        var model = DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(rows));

        CollectionAssert.AreEqual(BadFiles, model.LastTransformer.SkippedImages.Select(s => s.Source).ToArray());
        CollectionAssert.AreEqual(new long[] { 25, 75, 125, 175 }, model.LastTransformer.SkippedImages.Select(s => s.Row).ToArray());
        Assert.IsTrue(model.LastTransformer.SkippedImages.All(s => s.Reason.Length > 0 && !s.InValidationSet));
        Assert.IsTrue(infos.Any(m => m.Contains("Training GoogLeNet", StringComparison.Ordinal) && m.Contains(" on 200 ", StringComparison.Ordinal)), "Trains on the 200 readable images:\n" + string.Join("\n", infos.Where(m => m.Contains("Training", StringComparison.Ordinal))));
        string warning = warnings.Single(w => w.Contains("could not be loaded", StringComparison.Ordinal));
        Assert.IsTrue(BadFiles.All(f => warning.Contains(f, StringComparison.Ordinal)), warning);
        float[][] scores = model.Transform(DigitsPipeline.Test(ml)).GetColumn<float[]>("Score").ToArray();
        Assert.HasCount(DigitImages.Test.Count, scores);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_Huge8000x8000ImageAmongTheDigits_ConvertedAndTrained()
    {
        // A flat grey 8000x8000 PNG (256 MB as pixels, small as a file) is loaded, resized like the others, and trained on.
        string huge = Path.Combine(DigitImages.Folder, "huge", "8000x8000.png");
        Directory.CreateDirectory(Path.GetDirectoryName(huge)!);
        byte[] grey = new byte[8000 * 8000];
        Array.Fill(grey, (byte)128);
        using (MLImage image = GreyImage.ToMLImage(grey, 8000, 8000))
        {
            image.Save(huge);
        }

        var ml = new MLContext(seed: 1);
        List<ImageRow> withHuge = [.. DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(20)), new ImageRow { ImagePath = "huge/8000x8000.png", Label = "0" }];
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.InvalidImages = InceptionInvalidImageHandling.Fail;

        var model = DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(withHuge));

        Assert.IsEmpty(model.LastTransformer.SkippedImages);
        float[] score = model.Transform(ml.Data.LoadFromEnumerable(withHuge.TakeLast(1))).GetColumn<float[]>("Score").Single();
        Assert.HasCount(10, score);
        Assert.AreEqual(1.0, score.Sum(), 1e-4);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_JpegCutAfterItsHeader_SkippedAndReportedWhenImageFolderIsSet()
    {
        // LoadImages returns such a file as a partly grey picture without an error; only decoding the file again
        // completely (ImageFolder) shows that it is damaged.
        List<ImageRow> withCut = [.. DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(20))];
        withCut.Insert(60, new ImageRow { ImagePath = "bad/cut.jpg", Label = "3" });
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.InvalidImages = InceptionInvalidImageHandling.Skip;
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);

        var ml = new MLContext(seed: 1);
        var notChecked = DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(withCut));
        options.ImageFolder = DigitImages.Folder;
        var checkedFiles = DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(withCut));

        Assert.IsEmpty(notChecked.LastTransformer.SkippedImages, "ML.NET's loader accepts the cut JPEG.");
        InceptionSkippedImage skipped = checkedFiles.LastTransformer.SkippedImages.Single();
        Assert.AreEqual(("bad/cut.jpg", 60L), (skipped.Source, skipped.Row));
        StringAssert.Contains(skipped.Reason, "does not decode completely");
    }

    [TestMethod]
    public void Fit_JpegCutAfterItsHeaderWithImageFolderByDefault_FailsNamingTheFileBeforeTraining()
    {
        List<ImageRow> withCut = [.. DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(20))];
        withCut.Insert(60, new ImageRow { ImagePath = "bad/cut.jpg", Label = "3" });
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);
        options.ImageFolder = DigitImages.Folder;
        var epochs = 0;
        options.EpochCompleted = _ => epochs++;

        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(withCut)));

        StringAssert.Contains(e.Message, "'bad/cut.jpg' (row 60): The file does not decode completely");
        Assert.AreEqual(0, epochs);
    }

    [TestMethod]
    public void Fit_ImageFolderWithoutImageSourceColumn_RejectedWithTheOptionsName()
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageFolder = DigitImages.Folder;

        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml)));

        StringAssert.Contains(e.Message, "ImageFolder must be null when ImageSourceColumnName is not set");
    }

    [TestMethod]
    public void Fit_ImageSourceColumnMissing_FailsWithMLNetWording()
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageSourceColumnName = "Path";

        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml)));

        StringAssert.Contains(e.Message, "Could not find image source column 'Path'");
    }
}

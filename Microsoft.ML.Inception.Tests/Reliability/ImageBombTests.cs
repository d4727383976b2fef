using Microsoft.ML.Inception.Samples.FashionMnist;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Decompression bombs: small PNGs whose headers declare tens of thousands of pixels a side. Wherever the library opens
/// an image file itself, the header's size is read first and a file above the pixel budget is never decoded.
/// </summary>
[TestClass]
public sealed class ImageBombTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void WriteBombs(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-bombs-").FullName;
        File.WriteAllBytes(Path.Combine(folder, "50000x50000.png"), CraftedImageFiles.PngDeclaring(50_000, 50_000));

        // Over the default budget of 50 megapixels, yet small enough (256 MB) that decoding it before the fix was harmless.
        string bombs = Path.Combine(DigitImages.Folder, "bombs");
        Directory.CreateDirectory(bombs);
        File.WriteAllBytes(Path.Combine(bombs, "8000x8000.png"), CraftedImageFiles.PngDeclaring(8000, 8000));
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void DecodesCompletely_PngDeclaring50000x50000_FalseWithoutDecoding() =>
        Assert.IsFalse(InceptionImageFile.DecodesCompletely(Path.Combine(folder, "50000x50000.png")));

    [TestMethod]
    public void DecodesCompletely_WholePngAboveAGivenBudget_False()
    {
        string path = Path.Combine(DigitImages.Folder, DigitImages.Train[0].ImagePath);

        Assert.IsTrue(InceptionImageFile.DecodesCompletely(path));
        Assert.IsFalse(InceptionImageFile.DecodesCompletely(path, maximumPixels: 100));
    }

    [TestMethod]
    public void TryReadSize_PngDeclaring50000x50000_TheDeclaredSize()
    {
        Assert.IsTrue(InceptionImageFile.TryReadSize(Path.Combine(folder, "50000x50000.png"), out int width, out int height));
        Assert.AreEqual((50_000, 50_000), (width, height));
        Assert.IsFalse(InceptionImageFile.TryReadSize(Path.Combine(folder, "missing.png"), out _, out _));
    }

    [TestMethod]
    public void Scan_ClassFolderWithABomb_SkipsItAsUnreadable()
    {
        // The Fashion-MNIST example's --data scan decodes every file once before training.
        string root = Path.Combine(folder, "scan");
        foreach (string name in new[] { "a", "b" })
        {
            Directory.CreateDirectory(Path.Combine(root, name));
            File.Copy(Path.Combine(DigitImages.Folder, DigitImages.Train[0].ImagePath), Path.Combine(root, name, "digit.png"));
        }

        File.Copy(Path.Combine(folder, "50000x50000.png"), Path.Combine(root, "a", "bomb.png"));

        ImageFolder scanned = ImageFolder.Scan(root);

        CollectionAssert.AreEqual(new[] { Path.Combine("a", "bomb.png") }, scanned.Unreadable.ToArray());
        StringAssert.Contains(scanned.DescribeSkipped(), "megapixels");
    }

    [TestMethod]
    public void Validate_MaximumImagePixelsBelowOne_Rejected()
    {
        var options = new InceptionOptions { MaximumImagePixels = 0 };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);

        StringAssert.Contains(e.Message, "MaximumImagePixels must be at least 1, got 0.");
    }

    [TestMethod]
    public void Fit_PngAboveTheBudgetWithImageFolderByDefault_FailsNamingTheFileAndItsDeclaredSize()
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);
        options.ImageFolder = DigitImages.Folder;

        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(WithBomb())));

        StringAssert.Contains(e.Message, "'bombs/8000x8000.png' (row 30)");
        StringAssert.Contains(e.Message, "8000x8000 pixels");
        StringAssert.Contains(e.Message, "MaximumImagePixels");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_PngAboveTheBudgetWithImageFolderAndSkip_SkippedAndReportedWithItsDeclaredSize()
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.InvalidImages = InceptionInvalidImageHandling.Skip;
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);
        options.ImageFolder = DigitImages.Folder;

        var model = DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(WithBomb()));

        InceptionSkippedImage skipped = model.LastTransformer.SkippedImages.Single();
        Assert.AreEqual(("bombs/8000x8000.png", 30L), (skipped.Source, skipped.Row));
        StringAssert.Contains(skipped.Reason, "8000x8000 pixels");
    }

    /// <summary>Two digits of each class with the bomb at row 30.</summary>
    private static List<ImageRow> WithBomb()
    {
        List<ImageRow> rows = [.. DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(5))];
        rows.Insert(30, new ImageRow { ImagePath = "bombs/8000x8000.png", Label = "3" });
        return rows;
    }
}

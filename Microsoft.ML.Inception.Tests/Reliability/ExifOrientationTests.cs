using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// JPEGs whose EXIF orientation says how to turn the stored pixels for display (phones store portrait photos
/// landscape with orientation 6). The test JPEG is 64x32 as stored, its top-left quarter red and the rest blue.
/// </summary>
[TestClass]
public sealed class ExifOrientationTests
{
    private const int StoredWidth = 64;
    private const int StoredHeight = 32;
    private static string folder = null!;

    [ClassInitialize]
    public static void WriteJpegs(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-exif-").FullName;
        for (ushort orientation = 1; orientation <= 8; orientation++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"orientation-{orientation}.jpg"), CraftedImageFiles.JpegWithOrientation(StoredWidth, StoredHeight, orientation));
        }

        string turned = Path.Combine(DigitImages.Folder, "turned");
        Directory.CreateDirectory(turned);
        File.Copy(Path.Combine(folder, "orientation-6.jpg"), Path.Combine(turned, "portrait.jpg"), overwrite: true);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void LoadImages_JpegWithOrientation6_PixelsAsStoredNotAsShown()
    {
        // ML.NET 6's LoadImages decodes with SKBitmap.Decode, which does not apply the EXIF orientation: this pins
        // what docs/reliability.md says, and fails if a later ML.NET starts to apply it.
        var ml = new MLContext();
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = "orientation-6.jpg" } });
        IDataView loaded = ml.Transforms.LoadImages("Image", folder, nameof(ImageRow.ImagePath)).Fit(data).Transform(data);

        // The cursor owns the image it hands out: read it while the row is current.
        using DataViewRowCursor cursor = loaded.GetRowCursor([loaded.Schema["Image"]]);
        ValueGetter<MLImage> getImage = cursor.GetGetter<MLImage>(loaded.Schema["Image"]);
        MLImage image = null!;
        Assert.IsTrue(cursor.MoveNext());
        getImage(ref image);

        Assert.AreEqual((StoredWidth, StoredHeight), (image.Width, image.Height));
        Assert.AreEqual("top left", RedQuarter(image));
    }

    [TestMethod]
    [DataRow((ushort)1, "top left", false)]
    [DataRow((ushort)2, "top right", false)]
    [DataRow((ushort)3, "bottom right", false)]
    [DataRow((ushort)4, "bottom left", false)]
    [DataRow((ushort)5, "top left", true)]
    [DataRow((ushort)6, "top right", true)]
    [DataRow((ushort)7, "bottom right", true)]
    [DataRow((ushort)8, "bottom left", true)]
    public void Load_JpegWithOrientation_TurnedAsAViewerShowsIt(ushort orientation, string redQuarter, bool sidesSwapped)
    {
        using MLImage image = InceptionImageFile.Load(Path.Combine(folder, $"orientation-{orientation}.jpg"));

        Assert.AreEqual(sidesSwapped ? (StoredHeight, StoredWidth) : (StoredWidth, StoredHeight), (image.Width, image.Height));
        Assert.AreEqual(redQuarter, RedQuarter(image));
    }

    [TestMethod]
    public void Load_JpegWithoutTurning_ExactlyThePixelsOfLoadImages()
    {
        string path = Path.Combine(folder, "orientation-1.jpg");
        using MLImage stock = MLImage.CreateFromFile(path);

        using MLImage loaded = InceptionImageFile.Load(path);

        Assert.AreEqual(stock.PixelFormat, loaded.PixelFormat);
        CollectionAssert.AreEqual(stock.Pixels.ToArray(), loaded.Pixels.ToArray());
    }

    [TestMethod]
    public void Fit_TurnedJpegWithImageFolder_WarnsNamingTheFileAndTheFix()
    {
        var ml = new MLContext(seed: 1);
        var warnings = new List<string>();
        ml.Log += (_, e) =>
        {
            if (e.Kind == ChannelMessageKind.Warning)
            {
                warnings.Add(e.Message);
            }
        };
        List<ImageRow> rows = [.. DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(3)), new ImageRow { ImagePath = "turned/portrait.jpg", Label = "1" }];
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageSourceColumnName = nameof(ImageRow.ImagePath);
        options.ImageFolder = DigitImages.Folder;

        DigitsPipeline.Create(ml, options).Fit(ml.Data.LoadFromEnumerable(rows));

        string warning = warnings.Single(w => w.Contains("EXIF orientation", StringComparison.Ordinal));
        StringAssert.Contains(warning, "'turned/portrait.jpg' (6)");
        StringAssert.Contains(warning, "InceptionImageFile.Load");
    }

    /// <summary>Which quarter of the image is red (the others are blue).</summary>
    private static string RedQuarter(MLImage image)
    {
        bool Red(int x, int y)
        {
            // Bgra32 or Rgba32: red is byte 2 or 0 of the pixel.
            int at = (((y * image.Width) + x) * 4) + (image.PixelFormat == MLPixelFormat.Bgra32 ? 2 : 0);
            return image.Pixels[at] > 200;
        }

        int left = image.Width / 4;
        int right = 3 * image.Width / 4;
        int top = image.Height / 4;
        int bottom = 3 * image.Height / 4;
        (bool Red, string Name)[] quarters = [(Red(left, top), "top left"), (Red(right, top), "top right"), (Red(left, bottom), "bottom left"), (Red(right, bottom), "bottom right")];
        return string.Join(", ", quarters.Where(q => q.Red).Select(q => q.Name));
    }
}

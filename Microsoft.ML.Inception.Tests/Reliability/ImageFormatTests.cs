using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using TorchSharp;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// The same picture in the colour modes and encodings users' folders hold (16-bit PNG, PNG with an alpha channel,
/// CMYK JPEG as Photoshop writes it, 16-bit grey, a 1x1 image) reaches the network as the same pixels: the values
/// training reads (and scoring extracts the same way) are compared with those of an 8-bit RGB PNG of the picture.
/// The files are in <c>ImageFormats/</c>, written by its <c>make-image-formats.py</c> from a CC0 photo.
/// </summary>
[TestClass]
public sealed class ImageFormatTests
{
    private const int Width = 48;
    private const int Height = 32;

    private static string Folder => Path.Combine(BuildMetadata.RepositoryRoot, "Microsoft.ML.Inception.Tests", "Reliability", "ImageFormats");

    [TestMethod]
    [DataRow("rgb-16bit.png")]
    [DataRow("rgba-opaque.png")]
    public void Read_LosslessColourVariant_ExactlyThePixelsOfTheRgbPng(string file) =>
        CollectionAssert.AreEqual(Pixels("rgb.png"), Pixels(file), $"{file} differs from rgb.png.");

    [TestMethod]
    public void Read_SixteenBitGreyPng_ExactlyThePixelsOfTheEightBitOne()
    {
        byte[] eightBit = Pixels("grey.png");

        CollectionAssert.AreEqual(eightBit, Pixels("grey-16bit.png"));
        Assert.IsTrue(Enumerable.Range(0, Width * Height).All(i => eightBit[i] == eightBit[i + (Width * Height)]), "A grey image has three equal planes.");
    }

    [TestMethod]
    public void Read_CmykJpeg_ColoursAsCloseToTheRgbPngAsAnRgbJpegIs()
    {
        byte[] reference = Pixels("rgb.png");

        double rgbJpegError = MeanAbsoluteDifference(reference, Pixels("rgb.jpg"));
        byte[] cmyk = Pixels("cmyk.jpg");
        double cmykError = MeanAbsoluteDifference(reference, cmyk);
        double invertedError = MeanAbsoluteDifference(reference, [.. cmyk.Select(v => (byte)(255 - v))]);

        // Measured (mean absolute difference in levels of 255): 2.2 for the RGB JPEG, 1.4 for the CMYK one, 83 for the
        // CMYK one inverted, which a decoder that ignored Adobe's inverted CMYK would give; dropping K or misreading
        // the channels would be tens of levels off.
        Assert.IsLessThan(4.0, rgbJpegError);
        Assert.IsLessThan(rgbJpegError + 2.0, cmykError, $"CMYK JPEG: mean error {cmykError:F2} against {rgbJpegError:F2} for the RGB JPEG.");
        Assert.IsGreaterThan(50.0, invertedError);
    }

    [TestMethod]
    public void Read_OnePixelImage_ResizedToAUniformImageOfItsColour()
    {
        byte[] pixels = Pixels("one-pixel.png", 32, 32);

        Assert.HasCount(3 * 32 * 32, pixels);
        CollectionAssert.AreEqual(new byte[] { 200, 40, 90 }, new[] { pixels[0], pixels[32 * 32], pixels[2 * 32 * 32] });
        for (int plane = 0; plane < 3; plane++)
        {
            Assert.IsTrue(pixels.Skip(plane * 32 * 32).Take(32 * 32).All(v => v == pixels[plane * 32 * 32]), $"Plane {plane} is not uniform.");
        }
    }

    [TestMethod]
    public void Fit_EveryFormatAsTrainingData_TrainsAndScoresEachFile()
    {
        var ml = new MLContext(seed: 1);
        string[] files = ["rgb.png", "rgb-16bit.png", "rgba-opaque.png", "grey.png", "grey-16bit.png", "rgb.jpg", "cmyk.jpg", "one-pixel.png"];
        var rows = files.Select((f, i) => new ImageRow { ImagePath = f, Label = (i % 2).ToString(System.Globalization.CultureInfo.InvariantCulture) }).ToList();
        var options = new InceptionOptions { Epochs = 1, BatchSize = 4, WidthMultiplier = 0.125, ImageSourceColumnName = nameof(ImageRow.ImagePath), ImageFolder = Folder };

        var model = Preprocessing(ml, 32, 32).Append(ml.Transforms.Inception(options)).Fit(ml.Data.LoadFromEnumerable(rows));

        Assert.IsEmpty(model.LastTransformer.SkippedImages);
        float[][] scores = [.. model.Transform(ml.Data.LoadFromEnumerable(rows)).GetColumn<float[]>("Score")];
        Assert.HasCount(files.Length, scores);
        Assert.IsTrue(scores.All(s => s.Length == 2 && s.All(float.IsFinite) && Math.Abs(s.Sum() - 1) < 1e-4));
    }

    /// <summary>The planar RGB bytes (0-255) training reads for one file after <c>LoadImages</c> and <c>ResizeImages</c>.</summary>
    private static byte[] Pixels(string file, int width = Width, int height = Height)
    {
        var ml = new MLContext(seed: 1);
        IDataView rows = ml.Data.LoadFromEnumerable(new[] { new ImageRow { ImagePath = file, Label = "picture" } });
        IDataView data = Preprocessing(ml, width, height).Fit(rows).Transform(rows);
        var options = new InceptionOptions();
        ImageColumn image = ImageColumn.Inspect(data.Schema, options, data);
        var invalid = new List<InceptionSkippedImage>();
        using LabeledImages read = ImageDataReader.Read(ml.Transforms, data, image, options, isValidationSet: false, invalid, out _);
        Assert.IsEmpty(invalid);
        Assert.AreEqual(1, read.Count);
        using torch.Tensor flat = read.Images.flatten();
        return flat.data<byte>().ToArray();
    }

    private static IEstimator<ITransformer> Preprocessing(MLContext ml, int width, int height) =>
        ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", Folder, nameof(ImageRow.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", width, height));

    private static double MeanAbsoluteDifference(byte[] a, byte[] b) => a.Zip(b).Average(p => Math.Abs(p.First - p.Second));
}

using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Scoring;

/// <summary>
/// Test-time augmentation: the views computed inside the ONNX graph are exactly the flips and crops computed with
/// TorchSharp on the same network, the option at training gives the model <c>WithTestTimeAugmentation</c> gives, the
/// views survive saving and loading, and a scheme that cannot crop the image fails before training.
/// </summary>
[TestClass]
public sealed class TestTimeAugmentationTests
{
    private static MLContext ml = null!;
    private static TransformerChain<InceptionTransformer> model = null!;
    private static IDataView test = null!;

    [ClassInitialize]
    public static void Train(TestContext context)
    {
        ml = new MLContext(seed: 1);
        model = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(DigitsPipeline.SmallTrain(ml));
        test = ml.Data.LoadFromEnumerable(DigitImages.Test.Take(40).ToList());
    }

    [TestMethod]
    public void HorizontalFlip_AveragesTheImageAndItsMirrorAsTorchSharpDoes() =>
        AssertScoresMatchTorchSharp(InceptionTestTimeAugmentation.HorizontalFlip, x => [x, x.flip(3)]);

    [TestMethod]
    public void TenCrop_AveragesCornersCentreAndMirrorsAsTorchSharpDoes() =>
        AssertScoresMatchTorchSharp(InceptionTestTimeAugmentation.TenCrop, x =>
        {
            // 32x32 padded by 4 (an eighth) with the mean, i.e. 0 after normalisation, cropped back to 32x32.
            Tensor padded = nn.functional.pad(x, [4, 4, 4, 4]);
            Tensor[] crops = [.. new (int Top, int Left)[] { (0, 0), (0, 8), (8, 0), (8, 8), (4, 4) }.Select(o => padded.narrow(2, o.Top, 32).narrow(3, o.Left, 32))];
            return [.. crops, .. crops.Select(c => c.flip(3))];
        });

    [TestMethod]
    public void Crops144_AveragesTheFortyEightDistinctCropsOfASquareImageAsTorchSharpDoes() =>
        AssertScoresMatchTorchSharp(InceptionTestTimeAugmentation.Crops144, x =>
        {
            var crops = new List<Tensor>();
            foreach (int side in new[] { 37, 41, 46, 50 })  // 32 x 256/224, 288/224, 320/224, 352/224, rounded
            {
                Tensor resized = nn.functional.interpolate(x, [side, side], mode: InterpolationMode.Bilinear, align_corners: false);
                int far = side - 32;
                foreach ((int top, int left) in new[] { (0, 0), (0, far), (far, 0), (far, far), (far / 2, far / 2) })
                {
                    crops.Add(resized.narrow(2, top, 32).narrow(3, left, 32));
                }

                crops.Add(nn.functional.interpolate(resized, [32, 32], mode: InterpolationMode.Bilinear, align_corners: false));
            }

            return [.. crops, .. crops.Select(c => c.flip(3))];
        });

    [TestMethod]
    public void OptionAtTraining_SameScoresAsWithTestTimeAugmentationOnTheSameNetwork()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.TestTimeAugmentation = InceptionTestTimeAugmentation.TenCrop;
        var ml2 = new MLContext(seed: 1);

        var trained = DigitsPipeline.Create(ml2, options).Fit(DigitsPipeline.SmallTrain(ml2));

        Assert.AreEqual(InceptionTestTimeAugmentation.TenCrop, trained.LastTransformer.TestTimeAugmentation);
        CollectionAssert.AreEqual(
            Scores(WithViews(InceptionTestTimeAugmentation.TenCrop)).SelectMany(s => s).ToArray(),
            Scores(trained).SelectMany(s => s).ToArray());
    }

    [TestMethod]
    public void SaveAndLoad_TenCropModel_IdenticalScoresFromStockMlNetTransformers()
    {
        ITransformer tenCrop = WithViews(InceptionTestTimeAugmentation.TenCrop);
        using var zip = new MemoryStream();
        ml.Model.Save(tenCrop, DigitsPipeline.SmallTrain(ml).Schema, zip);
        zip.Position = 0;

        ITransformer loaded = new MLContext().Model.Load(zip, out _);

        CollectionAssert.AreEqual(Scores(tenCrop).SelectMany(s => s).ToArray(), Scores(loaded).SelectMany(s => s).ToArray());
        CollectionAssert.AreNotEqual(Scores(model).SelectMany(s => s).ToArray(), Scores(loaded).SelectMany(s => s).ToArray(), "Ten views score differently from one.");
    }

    [TestMethod]
    public void Crops144_OnNonSquareImages_FailsBeforeTrainingNamingTheSizes()
    {
        var ml2 = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.TestTimeAugmentation = InceptionTestTimeAugmentation.Crops144;
        int epochs = 0;
        options.EpochCompleted = _ => epochs++;
        var pipeline = ml2.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml2.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath)))
            .Append(ml2.Transforms.ResizeImages("Image", 64, 32))
            .Append(ml2.Transforms.Inception(options));

        ArgumentOutOfRangeException e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(DigitsPipeline.SmallTrain(ml2)));

        StringAssert.Contains(e.Message, "Crops144 crops 32x64 images from squares of side 37");
        Assert.AreEqual(0, epochs);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.LastTransformer.WithTestTimeAugmentation((InceptionTestTimeAugmentation)7));
    }

    private static TransformerChain<ITransformer> WithViews(InceptionTestTimeAugmentation augmentation)
    {
        ITransformer[] parts = [.. model.Take(model.Count() - 1), model.LastTransformer.WithTestTimeAugmentation(augmentation)];
        return new TransformerChain<ITransformer>(parts);
    }

    private static float[][] Scores(ITransformer scorer) => [.. scorer.Transform(test).GetColumn<float[]>("Score")];

    /// <summary>Scores the test digits through the ONNX graph with the views, and with TorchSharp on the same network.</summary>
    private static void AssertScoresMatchTorchSharp(InceptionTestTimeAugmentation augmentation, Func<Tensor, Tensor[]> views)
    {
        float[][] onnx = Scores(WithViews(augmentation));

        InceptionTransformer inception = model.LastTransformer;
        IDataView prepared = DigitsPipeline.Preprocessing(ml).Fit(test).Transform(test);
        var options = new InceptionOptions();
        ImageColumn image = ImageColumn.Inspect(prepared.Schema, options, prepared) with { Channels = inception.Channels };
        using LabeledImages read = ImageDataReader.Read(ml.Transforms, prepared, image, options, isValidationSet: false, [], out _);
        using GoogLeNet network = inception.ToCheckpoint().CreateNetwork();
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        Tensor x = (read.Images.to_type(ScalarType.Float32) - inception.NormalizationMean[0]) / inception.NormalizationStandardDeviation[0];
        Tensor[] all = views(x);
        Tensor average = torch.stack(all.Select(v => nn.functional.softmax(network.ForwardHead(network.ForwardFeatures(v)), 1))).mean([0]);
        float[] expected = average.data<float>().ToArray();

        float[] actual = [.. onnx.SelectMany(s => s)];
        Assert.HasCount(expected.Length, actual);
        double worst = expected.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsLessThan(1e-4, worst, $"{augmentation}: ONNX and TorchSharp differ by up to {worst:G3}.");
    }
}

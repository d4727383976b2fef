using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>Bad input gets an ML.NET-style error before any training starts.</summary>
[TestClass]
public sealed class InceptionEstimatorErrorTests
{
    private static readonly MLContext Ml = new(seed: 1);

    [TestMethod]
    public void Fit_MissingImageColumn_CouldNotFindImageColumn()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageColumnName = "Img";

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.StartsWith(e.Message, "Could not find image column 'Img'");
    }

    [TestMethod]
    public void Fit_MissingLabelColumn_CouldNotFindLabelColumn()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.LabelColumnName = "Class";

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.StartsWith(e.Message, "Could not find label column 'Class'");
    }

    [TestMethod]
    public void Fit_LabelNotAKey_SchemaMismatchExpectedKeyGotString()
    {
        var pipeline = Ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath))
            .Append(Ml.Transforms.ResizeImages("Image", 32, 32))
            .Append(Ml.Transforms.Inception(DigitsPipeline.QuickOptions()));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.StartsWith(e.Message, "Schema mismatch for label column 'Label': expected key type (use mlContext.Transforms.Conversion.MapValueToKey), got String");
    }

    [TestMethod]
    public void Fit_ImageColumnOfTextPaths_SchemaMismatchForImageColumn()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageColumnName = nameof(ImageRow.ImagePath);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.StartsWith(e.Message, "Schema mismatch for image column 'ImagePath': expected image (LoadImages + ResizeImages) or known-size vector of Single (ExtractPixels), got String");
    }

    [TestMethod]
    public void Fit_ImagesNotResized_SaysSoAndNamesTheActualSize()
    {
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath)))
            .Append(Ml.Transforms.Inception(new InceptionOptions { ImageWidth = 64, ImageHeight = 64 }));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.Contains(e.Message, "Images in column 'Image' have no fixed size (the first is 20x20 pixels); append mlContext.Transforms.ResizeImages(\"Image\", width, height) before Inception (expected 64x64).");
    }

    [TestMethod]
    public void Fit_ImagesOfAnotherSizeThanExpected_NamesBothSizes()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ImageWidth = 64;
        options.ImageHeight = 48;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.Contains(e.Message, "Images in column 'Image' are 32x32 pixels, expected 64x48");
    }

    [TestMethod]
    public void Fit_ImagesSmallerThan32_SaysGoogLeNetNeeds32()
    {
        var pipeline = Ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(Ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath)))
            .Append(Ml.Transforms.ResizeImages("Image", 24, 24))
            .Append(Ml.Transforms.Inception(DigitsPipeline.QuickOptions()));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.Contains(e.Message, "are 24x24 pixels; GoogLeNet needs at least 32x32");
    }

    [TestMethod]
    public void Fit_OneClassOnly_NeedsAtLeastTwo()
    {
        IDataView oneClass = Ml.Data.LoadFromEnumerable(DigitImages.Train.Where(r => r.Label == "3").Take(10).ToList());

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(oneClass));

        StringAssert.Contains(e.Message, "images of 1 class ('3'); a classifier needs at least two");
    }

    [TestMethod]
    public void Fit_EmptyTrainingSet_SaysTheDataAreEmpty()
    {
        IDataView empty = Ml.Data.LoadFromEnumerable(new List<ImageRow>());

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(empty));

        StringAssert.Contains(e.Message, "The training data are empty");
    }

    [TestMethod]
    public void Fit_ValidationSetOfAnotherImageSize_SchemaMismatchBeforeTraining()
    {
        IDataView validation = DigitsPipeline.Preprocessing(Ml)
            .Append(Ml.Transforms.ResizeImages("Image", 48, 48))
            .Fit(DigitsPipeline.SmallTrain(Ml, 2)).Transform(DigitsPipeline.SmallTrain(Ml, 2));
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ValidationSet = validation;
        bool trained = false;
        options.EpochCompleted = _ => trained = true;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.Contains(e.Message, "Schema mismatch for image column in ValidationSet: expected 32x32 images, got 48x48 images");
        Assert.IsFalse(trained);
    }

    [TestMethod]
    public void Fit_ValidationSetWithItsOwnKeyOrder_SchemaMismatchBeforeTraining()
    {
        // The validation set's MapValueToKey, fitted on its own rows read in reverse, numbers the digits 9..0.
        var rows = DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(2)).ToList();
        IDataView reversed = Ml.Data.LoadFromEnumerable(Enumerable.Reverse(rows).ToList());
        IDataView validation = DigitsPipeline.Preprocessing(Ml).Fit(reversed).Transform(reversed);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ValidationSet = validation;
        bool trained = false;
        options.EpochCompleted = _ => trained = true;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(Ml, options).Fit(Ml.Data.LoadFromEnumerable(rows)));

        StringAssert.Contains(e.Message, "Schema mismatch for label column 'Label' in ValidationSet: its key values name other classes or the same in another order (training: 0, 1, 2, 3, 4, 5, 6, 7, 8, 9; validation: 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)");
        Assert.IsFalse(trained);
    }

    [TestMethod]
    public void Fit_LossDiverges_StopsAndSuggestsALowerLearningRate()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Variant = GoogLeNetVariant.Paper;
        options.LearningRate = 10;
        options.Momentum = 0.99;
        options.LearningRateSchedule = InceptionLearningRateSchedule.Constant;
        options.Epochs = 3;

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 10)));

        StringAssert.Contains(e.Message, "Training diverged");
        StringAssert.Contains(e.Message, "Try a lower LearningRate (currently 10)");
    }

    [TestMethod]
    public void Fit_CudaOnACpuOnlyMachine_SaysSoBeforeTraining()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.Inconclusive("This machine has CUDA.");
        }

        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Device = "cuda";

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(Ml, options).Fit(DigitsPipeline.SmallTrain(Ml, 2)));

        StringAssert.Contains(e.Message, "Device is 'cuda', but TorchSharp finds no CUDA device here");
    }

    [TestMethod]
    public void Options_SeveralInvalid_AllReportedInOneExceptionAtConstruction()
    {
        var options = new InceptionOptions
        {
            Epochs = 0,
            BatchSize = -1,
            LearningRate = double.NaN,
            ValidationFraction = -0.1,
            EarlyStoppingPatience = 2,
            Device = "gpu",
        };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Transforms.Inception(options));

        Assert.AreEqual("Epochs", e.ParamName);
        StringAssert.StartsWith(e.Message, "Invalid Inception options: Epochs must be at least 1, got 0. BatchSize must be at least 1, got -1. LearningRate must be greater than 0 and at most 10, got NaN. ValidationFraction must be in [0, 0.5], got -0.1. EarlyStoppingPatience must be unset without ValidationSet or ValidationFraction, got 2. Device must be \"cpu\", \"cuda\" or \"cuda:N\", got 'gpu'.");
    }

    [TestMethod]
    public void GetOutputSchema_LabelNotAKey_Throws()
    {
        IDataView images = Ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath))
            .Append(Ml.Transforms.ResizeImages("Image", 32, 32))
            .Fit(DigitsPipeline.SmallTrain(Ml, 1)).Transform(DigitsPipeline.SmallTrain(Ml, 1));
        SchemaShape shape = SchemaShapes.From(images.Schema);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Transforms.Inception().GetOutputSchema(shape));

        StringAssert.StartsWith(e.Message, "Schema mismatch for label column 'Label'");
    }

    [TestMethod]
    public void Fit_SchemaErrors_ComeBeforeAnyImageIsRead()
    {
        // A thousand rows whose files do not exist: reading any image would fail with a different error. The key
        // mapping is fitted beforehand, so that the rows the estimator is given are read by nothing but the estimator.
        IDataView missingFiles = Ml.Data.LoadFromEnumerable(Enumerable.Range(0, 1000).Select(i => new ImageRow { ImagePath = $"nowhere/{i}.png", Label = "x" }).ToList());
        var images = new CursorCountingDataView(DigitsPipeline.Preprocessing(Ml).Fit(missingFiles).Transform(missingFiles));
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.LabelColumnName = "Class";
        bool trained = false;
        options.EpochCompleted = _ => trained = true;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Ml.Transforms.Inception(options).Fit(images));

        StringAssert.StartsWith(e.Message, "Could not find label column 'Class'");
        Assert.AreEqual(0, images.CursorsOpened, "The schema is checked before any row, and so any image, is read.");
        Assert.IsFalse(trained);
    }
}

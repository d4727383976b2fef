using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Transfer;

/// <summary>
/// Transfer learning on real images: weights trained on the digits 0-4 fine-tune to the digits 5-9, head only (frozen,
/// cached backbone) or fully (backbone at a lower learning rate), from safetensors, TorchSharp or PyTorch (.pth) files.
/// </summary>
[TestClass]
public sealed class TransferLearningTests
{
    /// <summary>Five classes: chance is 20%.</summary>
    private const double WellAboveChance = 0.5;

    [ClassCleanup]
    public static void DeleteWeights() => DigitsTransfer.Delete();

    [TestMethod]
    public void HeadOnly_FromDigits0To4_Classifies5To9WellAboveChance()
    {
        (_, double accuracy) = DigitsTransfer.FitHighDigits(DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 8));

        Assert.IsGreaterThan(WellAboveChance, accuracy, $"Head-only accuracy on the unseen digits 5-9: {accuracy:P1}.");
    }

    [TestMethod]
    public void HeadOnly_EpochsAfterTheFirst_NeverRunTheBackbone()
    {
        // Counted rather than timed: the first epoch computes the features, every later one trains the classifier on them.
        var perEpoch = new List<long>();
        long images = 0;
        InceptionOptions options = DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 4);
        options.BackboneRunning = n => images += n;
        options.EpochCompleted = _ =>
        {
            perEpoch.Add(images);
            images = 0;
        };

        DigitsTransfer.FitHighDigits(options);

        long trainingImages = DigitImages.Train.Count(r => string.CompareOrdinal(r.Label, "5") >= 0);
        CollectionAssert.AreEqual(new[] { trainingImages, 0L, 0L, 0L }, perEpoch, "Images through the backbone in each epoch: every training image once in the first, none later.");
    }

    [TestMethod]
    public void HeadOnly_KeepsTheFilesBackboneAndReplacesTheClassifier()
    {
        (TransformerChain<InceptionTransformer> model, _) = DigitsTransfer.FitHighDigits(DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 2));
        StoredWeights pretrained = WeightFile.Read(DigitsTransfer.SafeTensorsFile, "weights");
        StoredWeights trained = Saved(model.LastTransformer);

        foreach (string name in new[] { "conv1.conv.weight", "inception5b.branch2.1.conv.weight", "inception4a.branch1.bn.running_mean" })
        {
            CollectionAssert.AreEqual(Values(pretrained, name), Values(trained, name), $"{name} is part of the frozen backbone.");
        }

        Assert.IsTrue(trained.TryGet("fc.weight", out StoredTensor fc));
        Assert.AreEqual(5L, fc.Shape[0]);
        CollectionAssert.AreNotEqual(Values(pretrained, "fc.bias"), Values(trained, "fc.bias"));
        CollectionAssert.AreEqual(new[] { "5", "6", "7", "8", "9" }, model.LastTransformer.ClassNames.ToArray());
    }

    [TestMethod]
    public void HeadOnly_ValidationOnCachedFeatures_MatchesScoringTheSameImages()
    {
        var ml = new MLContext();
        InceptionOptions options = DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 3);
        IDataView test = DigitsPipeline.Preprocessing(ml).Fit(DigitsTransfer.HighDigits(ml, DigitImages.Train)).Transform(DigitsTransfer.HighDigits(ml, DigitImages.Test));
        options.ValidationSet = test;

        (TransformerChain<InceptionTransformer> model, double accuracy) = DigitsTransfer.FitHighDigits(options);

        // Validation ran the head on the cached features; scoring runs the whole exported network on the images.
        Assert.IsTrue(model.LastTransformer.History.All(h => h.ValidationAccuracy is not null));
        Assert.AreEqual(model.LastTransformer.History[^1].ValidationAccuracy!.Value, accuracy, 0.0101, "At most one of the 100 images may differ (ONNX and TorchSharp round differently).");
    }

    [TestMethod]
    public void Full_WithALowerBackboneLearningRate_LearnsAndChangesTheBackbone()
    {
        InceptionOptions options = DigitsTransfer.FineTuning(InceptionFineTuning.Full, epochs: 2);
        options.BackboneLearningRateFactor = 0.1;

        (TransformerChain<InceptionTransformer> model, double accuracy) = DigitsTransfer.FitHighDigits(options);

        Assert.IsGreaterThan(WellAboveChance, accuracy, $"Full fine-tuning accuracy on the unseen digits 5-9: {accuracy:P1}.");
        CollectionAssert.AreNotEqual(
            Values(WeightFile.Read(DigitsTransfer.SafeTensorsFile, "weights"), "conv1.conv.weight"),
            Values(Saved(model.LastTransformer), "conv1.conv.weight"),
            "Full fine-tuning trains the backbone too.");
    }

    [TestMethod]
    [DataRow("TorchSharp")]
    [DataRow("PyTorch")]
    public void PretrainedWeights_OtherFormat_TrainsExactlyAsTheSafeTensorsFile(string format)
    {
        var ml = new MLContext();
        IDataView test = DigitsTransfer.HighDigits(ml, DigitImages.Test);
        string file = format == "PyTorch" ? DigitsTransfer.PyTorchFile : DigitsTransfer.TorchSharpFile;

        (TransformerChain<InceptionTransformer> fromSafeTensors, _) = DigitsTransfer.FitHighDigits(DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 2));
        (TransformerChain<InceptionTransformer> fromOtherFormat, _) = DigitsTransfer.FitHighDigits(DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 2, file));

        float[][] expected = fromSafeTensors.Transform(test).GetColumn<float[]>("Score").ToArray();
        float[][] actual = fromOtherFormat.Transform(test).GetColumn<float[]>("Score").ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i], actual[i], $"Row {i}");
        }
    }

    [TestMethod]
    public void PretrainedWeights_OfAnotherWidth_ListsTheWronglyShapedTensorsBeforeAnyEpoch()
    {
        InceptionOptions options = DigitsTransfer.FineTuning(InceptionFineTuning.Full, epochs: 1);
        options.WidthMultiplier = 0.125;

        ArgumentOutOfRangeException e = FitFailing<ArgumentOutOfRangeException>(options);

        StringAssert.Contains(e.Message, $"The weights in '{DigitsTransfer.SafeTensorsFile}' do not fit GoogLeNet (TorchVision variant, width 0.125");
        StringAssert.Contains(e.Message, "tensor(s) of another shape: conv1.conv.weight (network [8, 1, 7, 7], file [16, 1, 7, 7])");
        StringAssert.Contains(e.Message, "The file looks like the TorchVision variant at width 0.25");
    }

    [TestMethod]
    public void PretrainedWeights_OfTheOtherVariant_ListsMissingAndUnexpectedTensorsBeforeAnyEpoch()
    {
        InceptionOptions options = DigitsTransfer.FineTuning(InceptionFineTuning.HeadOnly, epochs: 1);
        options.Variant = GoogLeNetVariant.Paper;

        ArgumentOutOfRangeException e = FitFailing<ArgumentOutOfRangeException>(options);

        StringAssert.Contains(e.Message, "tensor(s) missing from the file: conv1.conv.bias");
        StringAssert.Contains(e.Message, "unexpected tensor(s) in the file: conv1.bn.weight");
    }

    [TestMethod]
    public void PretrainedWeights_MissingFile_NamesThePathBeforeAnyEpoch()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-weights-{Guid.NewGuid():N}.safetensors");

        FileNotFoundException e = FitFailing<FileNotFoundException>(DigitsTransfer.FineTuning(InceptionFineTuning.Full, epochs: 1, path));

        StringAssert.Contains(e.Message, $"Could not find the pretrained weights file '{path}'");
    }

    [TestMethod]
    public void Options_ContradictoryFineTuning_AllReportedAtOnce()
    {
        var options = new InceptionOptions
        {
            PretrainedWeights = "weights.safetensors",
            ResumeFrom = "run.ckpt",
            FineTuning = InceptionFineTuning.FromScratch,
            BackboneLearningRateFactor = 0.1,
        };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);

        StringAssert.Contains(e.Message, "PretrainedWeights must be null when ResumeFrom is set (a checkpoint holds its own weights), got 'weights.safetensors'.");
        StringAssert.Contains(e.Message, "FineTuning must be null, Full or HeadOnly when PretrainedWeights or ResumeFrom is set, got FromScratch.");
        StringAssert.Contains(e.Message, "BackboneLearningRateFactor must be 1 unless fine-tuning is Full (it is FromScratch), got 0.1.");
    }

    [TestMethod]
    public void Options_HeadOnlyWithoutWeights_IsInvalid()
    {
        var options = new InceptionOptions { FineTuning = InceptionFineTuning.HeadOnly };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);

        StringAssert.Contains(e.Message, "FineTuning must be null or FromScratch without PretrainedWeights or ResumeFrom, got HeadOnly.");
    }

    private static T FitFailing<T>(InceptionOptions options)
        where T : Exception
    {
        int epochs = 0;
        options.EpochCompleted = _ => epochs++;
        T e = Assert.ThrowsExactly<T>(() => DigitsTransfer.FitHighDigits(options));
        Assert.AreEqual(0, epochs, "The error comes before any training.");
        return e;
    }

    private static StoredWeights Saved(InceptionTransformer model)
    {
        string path = Path.Combine(Path.GetTempPath(), $"inception-trained-{Guid.NewGuid():N}.safetensors");
        try
        {
            model.SaveWeights(path);
            return WeightFile.Read(path, "weights");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] Values(StoredWeights weights, string name)
    {
        Assert.IsTrue(weights.TryGet(name, out StoredTensor tensor), name);
        return tensor.Data.ToArray();
    }
}

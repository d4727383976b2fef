using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Transfer;

/// <summary>Fine-tuning runs resume from their checkpoints exactly, optimiser parameter groups included.</summary>
[TestClass]
public sealed class FineTuningResumeTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-fine-tuning-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    [DataRow(InceptionFineTuning.Full, 0.1)]
    [DataRow(InceptionFineTuning.HeadOnly, 1.0)]
    public void Resume_OneMoreEpochAfterAFineTuningCheckpoint_EqualsTwoEpochsStraight(InceptionFineTuning mode, double backboneFactor)
    {
        var ml = new MLContext();
        IDataView test = DigitsTransfer.HighDigits(ml, DigitImages.Test);
        string checkpoint = Path.Combine(folder, $"{mode}-after-epoch-1.ckpt");

        float[][] straight = Fit(mode, backboneFactor, epochs: 2, resumeFrom: null).Transform(test).GetColumn<float[]>("Score").ToArray();
        Fit(mode, backboneFactor, epochs: 1, resumeFrom: null).LastTransformer.SaveCheckpoint(checkpoint);
        float[][] resumed = Fit(mode, backboneFactor, epochs: 1, resumeFrom: checkpoint).Transform(test).GetColumn<float[]>("Score").ToArray();

        for (int i = 0; i < straight.Length; i++)
        {
            CollectionAssert.AreEqual(straight[i], resumed[i], $"Row {i}: resumed fine-tuning diverged from uninterrupted fine-tuning.");
        }
    }

    private static TransformerChain<InceptionTransformer> Fit(InceptionFineTuning mode, double backboneFactor, int epochs, string? resumeFrom)
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsTransfer.FineTuning(mode, epochs);
        options.BackboneLearningRateFactor = backboneFactor;
        options.LearningRateSchedule = InceptionLearningRateSchedule.Constant;
        if (resumeFrom is not null)
        {
            options.PretrainedWeights = null;
            options.ResumeFrom = resumeFrom;
        }

        IDataView few = ml.Data.LoadFromEnumerable(DigitImages.Train.Where(r => string.CompareOrdinal(r.Label, "5") >= 0).GroupBy(r => r.Label).SelectMany(g => g.Take(20)).ToList());
        return DigitsPipeline.Create(ml, options).Fit(few);
    }
}

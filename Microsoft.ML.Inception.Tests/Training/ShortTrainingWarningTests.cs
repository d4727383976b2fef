namespace Microsoft.ML.Inception.Tests.Training;

[TestClass]
public sealed class ShortTrainingWarningTests
{
    [TestMethod]
    public void For_EnoughSteps_IsNull()
    {
        // 1,500 images at batch 32 for 5 epochs: 47 x 5 = 235 steps.
        Assert.IsNull(ShortTrainingWarning.For(images: 1500, batchSize: 32, epochs: 5, fromScratch: true));
    }

    [TestMethod]
    public void For_150ImagesBatch64FiveEpochs_SuggestsBatch16And30Epochs()
    {
        string? warning = ShortTrainingWarning.For(images: 150, batchSize: 64, epochs: 5, fromScratch: true);

        Assert.IsNotNull(warning);
        Assert.Contains("only 15 optimizer steps (5 epoch(s) of 3 batch(es) of up to 64 of the 150 training images)", warning);
        Assert.Contains("Try BatchSize = 16 and Epochs = 30 (300 steps), or start from pretrained weights (PretrainedWeights)", warning);
    }

    [TestMethod]
    public void For_BatchAlreadySmall_SuggestsOnlyMoreEpochs()
    {
        string? warning = ShortTrainingWarning.For(images: 40, batchSize: 8, epochs: 10, fromScratch: true);

        Assert.IsNotNull(warning);
        Assert.Contains("only 50 optimizer steps", warning);
        Assert.Contains("Try Epochs = 60 (300 steps)", warning);
        Assert.DoesNotContain("BatchSize =", warning);
    }

    [TestMethod]
    public void For_FineTuningPretrainedWeights_DoesNotSuggestThem()
    {
        string? warning = ShortTrainingWarning.For(images: 100, batchSize: 64, epochs: 3, fromScratch: false);

        Assert.IsNotNull(warning);
        Assert.DoesNotContain("PretrainedWeights", warning);
    }
}

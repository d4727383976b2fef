namespace Microsoft.ML.Inception.Tests.Training;

[TestClass]
public sealed class LearningRateSchedulerTests
{
    private const int StepsPerEpoch = 10;
    private const int Epochs = 20;

    [TestMethod]
    public void Constant_StaysAtThePeak()
    {
        Assert.AreEqual(0.1, At(InceptionLearningRateSchedule.Constant, 0));
        Assert.AreEqual(0.1, At(InceptionLearningRateSchedule.Constant, 199));
    }

    [TestMethod]
    public void PaperStep_Loses4PercentEvery8Epochs()
    {
        Assert.AreEqual(0.1, At(InceptionLearningRateSchedule.PaperStep, (8 * StepsPerEpoch) - 1), 1e-12);
        Assert.AreEqual(0.096, At(InceptionLearningRateSchedule.PaperStep, 8 * StepsPerEpoch), 1e-12);
        Assert.AreEqual(0.1 * 0.96 * 0.96, At(InceptionLearningRateSchedule.PaperStep, 16 * StepsPerEpoch), 1e-12);
    }

    [TestMethod]
    public void Cosine_FallsFromThePeakToZeroThroughHalfWay()
    {
        Assert.AreEqual(0.1, At(InceptionLearningRateSchedule.Cosine, 0), 1e-12);
        Assert.AreEqual(0.05, At(InceptionLearningRateSchedule.Cosine, 100), 1e-12);
        Assert.AreEqual(0.0, At(InceptionLearningRateSchedule.Cosine, 200), 1e-12);
    }

    [TestMethod]
    public void OneCycle_WarmsUpFromAQuarterOfTheRateThenAnneals()
    {
        Assert.AreEqual(0.1 / 25, At(InceptionLearningRateSchedule.OneCycle, 0), 1e-12);
        Assert.AreEqual(0.1, At(InceptionLearningRateSchedule.OneCycle, 60), 1e-12);
        Assert.IsLessThan(0.1 / 1000, At(InceptionLearningRateSchedule.OneCycle, 200));
        Assert.IsLessThan(At(InceptionLearningRateSchedule.OneCycle, 100), At(InceptionLearningRateSchedule.OneCycle, 150));
    }

    private static double At(InceptionLearningRateSchedule schedule, long step) =>
        LearningRateScheduler.At(schedule, 0.1, step, StepsPerEpoch, Epochs);
}

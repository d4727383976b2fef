using Microsoft.ML.Inception.Tests.Estimator;
using Microsoft.ML.Inception.Tests.MLNet;

namespace Microsoft.ML.Inception.Tests.Training;

/// <summary>
/// Fit reports through ML.NET's progress channel as ML.NET's trainers do: whoever polls the MLContext's progress sees the
/// epochs and batches done with the epoch's loss and accuracy so far, and each epoch leaves a checkpoint entry with its
/// metrics. Read through ML.NET's progress tracker, as its console environment reads it.
/// </summary>
[TestClass]
public sealed class ProgressChannelTests
{
    private const string Channel = "Training GoogLeNet";
    private const int PerClass = 10;
    private const int Epochs = 2;

    /// <summary>Batches in each epoch (100 images in batches of 32).</summary>
    private static readonly int BatchesPerEpoch = (int)Math.Ceiling(10.0 * PerClass / DigitsPipeline.QuickOptions().BatchSize);

    [TestMethod]
    public void Fit_TwoEpochs_StartACheckpointPerEpochWithItsMetricsAndStop()
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = Epochs;
        options.ValidationFraction = 0.2;
        int batchesPerEpoch = (int)Math.Ceiling(80.0 / options.BatchSize);

        InceptionTransformer model = DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, PerClass)).LastTransformer;
        List<ProgressLogEntry> log = MLContextInternals.GetAllProgress(ml).Where(e => e.Name == Channel).ToList();

        CollectionAssert.AreEqual(new[] { "Start", "Progress", "Progress", "Stop" }, log.Select(e => e.Kind).ToArray());
        List<ProgressLogEntry> checkpoints = log.Where(e => e.IsCheckpoint).ToList();
        Assert.HasCount(Epochs, checkpoints);
        for (int i = 0; i < Epochs; i++)
        {
            InceptionEpochMetrics m = model.History[i];
            ProgressLogEntry c = checkpoints[i];
            CollectionAssert.AreEqual(new[] { "Loss", "Accuracy", "Validation loss", "Validation accuracy" }, c.MetricNames.ToArray());
            CollectionAssert.AreEqual(new[] { "epochs", "batches" }, c.UnitNames.ToArray());
            CollectionAssert.AreEqual(new double?[] { m.TrainingLoss, m.TrainingAccuracy, m.ValidationLoss, m.ValidationAccuracy }, c.Metrics, $"Epoch {i + 1}'s metrics.");
            CollectionAssert.AreEqual(new double?[] { i + 1, batchesPerEpoch }, c.Progress, $"Epoch {i + 1} done.");
            CollectionAssert.AreEqual(new double?[] { Epochs, batchesPerEpoch }, c.ProgressLimits);
        }
    }

    [TestMethod]
    public void Fit_PolledAsEachBatchStarts_ReportsTheEpochsAndBatchesDone()
    {
        var ml = new MLContext(seed: 1);
        var pulled = new List<(long Batch, ProgressLogEntry Entry)>();
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = Epochs;
        options.BatchStarting = batch => pulled.AddRange(
            MLContextInternals.GetAllProgress(ml).Where(e => e.Name == Channel && e.Kind == "Progress" && !e.IsCheckpoint).Select(e => (batch, e)));

        DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, PerClass));

        // The tracker pulls from a channel only when it has no pending event: not at batch 1 (its start event is
        // pending) nor at the first batch of epoch 2 (the checkpoint of epoch 1 is).
        Assert.HasCount((Epochs * BatchesPerEpoch) - 2, pulled);
        foreach ((long batch, ProgressLogEntry entry) in pulled)
        {
            long done = batch - 1;
            CollectionAssert.AreEqual(new double?[] { done / BatchesPerEpoch, done % BatchesPerEpoch }, entry.Progress, $"Before batch {batch}.");
            CollectionAssert.AreEqual(new double?[] { Epochs, BatchesPerEpoch }, entry.ProgressLimits);
            Assert.IsTrue(entry.Metrics[0] is > 0 && entry.Metrics[1] is >= 0 and <= 1, $"Before batch {batch}: the epoch's loss and accuracy so far.");
        }
    }
}

using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;
using Microsoft.ML.Inception.Tests.MLNet;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// <c>MLContext.CancelExecution()</c> (what ML.NET's AutoML calls to stop a trial) stops a Fit as ML.NET's own trainers
/// stop: before the next batch, with the <see cref="OperationCanceledException"/> ML.NET's <c>CheckAlive</c> throws
/// ("Operation was canceled."), no model, and no file left behind. Batches are counted, not timed.
/// </summary>
[TestClass]
public sealed class MLContextCancellationTests
{
    private const int PerClass = 10;
    private const int Epochs = 2;

    /// <summary>Batches in each epoch (100 images in batches of 32).</summary>
    private static readonly int BatchesPerEpoch = (int)Math.Ceiling(10.0 * PerClass / DigitsPipeline.QuickOptions().BatchSize);

    [TestMethod]
    [DataRow(1L, DisplayName = "the first batch")]
    [DataRow(5L, DisplayName = "the first batch of the second epoch")]
    [DataRow(8L, DisplayName = "the last batch")]
    public void Fit_ContextCancelledAsABatchStarts_NoFurtherBatchNoModelNoFile(long k)
    {
        using var temporary = new TemporaryFolder();
        var ml = new MLContext(seed: 1) { TempFilePath = temporary.Path };
        long started = 0;
        int epochs = 0;
        InceptionOptions options = Options(epochCompleted: _ => epochs++, batchStarting: batch =>
        {
            started = batch;
            if (batch == k)
            {
                MLContextInternals.CancelExecution(ml);
            }
        });

        var e = Assert.ThrowsExactly<OperationCanceledException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, PerClass)));

        Assert.AreEqual("Operation was canceled.", e.Message, "ML.NET's own wording (Contracts.CheckAlive).");
        Assert.AreEqual(k, started, "No batch starts after the cancellation.");
        Assert.AreEqual((int)(k / BatchesPerEpoch), epochs, "Only the epochs the cancellation ended are reported.");
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temporary.Path), "A cancelled Fit leaves no file.");
    }

    [TestMethod]
    public void Fit_ContextCancelledFromAnotherThread_StopsBeforeTheNextBatch()
    {
        using var temporary = new TemporaryFolder();
        var ml = new MLContext(seed: 1) { TempFilePath = temporary.Path };
        long started = 0;
        InceptionOptions options = Options(batchStarting: batch =>
        {
            started = batch;
            if (batch == 2)
            {
                // Another thread cancels while batch 2 runs; waiting for it keeps the test independent of timing.
                var canceller = new Thread(() => MLContextInternals.CancelExecution(ml));
                canceller.Start();
                canceller.Join();
            }
        });

        Assert.ThrowsExactly<OperationCanceledException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, PerClass)));

        Assert.AreEqual(2L, started, "Batch 2 finishes; batch 3 does not start.");
        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temporary.Path));
    }

    [TestMethod]
    public void Fit_ContextCancelledInTheLastEpochCallback_ReturnsNoModelAndLeavesNoFile()
    {
        using var temporary = new TemporaryFolder();
        var ml = new MLContext(seed: 1) { TempFilePath = temporary.Path };
        InceptionOptions options = Options(epochCompleted: m =>
        {
            if (m.Epoch == Epochs)
            {
                MLContextInternals.CancelExecution(ml);
            }
        });

        Assert.ThrowsExactly<OperationCanceledException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, PerClass)));

        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(temporary.Path), "Nothing is exported once cancelled.");
    }

    [TestMethod]
    public void Fit_ContextCancelledBeforehand_ThrowsBeforeTheFirstBatch()
    {
        // The images are prepared with another context: a cancelled MLContext cancels ML.NET's own steps too.
        var preparing = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.Preprocessing(preparing).Fit(DigitsPipeline.SmallTrain(preparing, PerClass)).Transform(DigitsPipeline.SmallTrain(preparing, PerClass));
        var ml = new MLContext(seed: 1);
        long batches = 0;
        InceptionEstimator estimator = ml.Transforms.Inception(Options(batchStarting: _ => batches++));

        MLContextInternals.CancelExecution(ml);

        Assert.ThrowsExactly<OperationCanceledException>(() => estimator.Fit(train));
        Assert.AreEqual(0L, batches);
    }

    private static InceptionOptions Options(Action<InceptionEpochMetrics>? epochCompleted = null, Action<long>? batchStarting = null)
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = Epochs;
        options.EpochCompleted = epochCompleted;
        options.BatchStarting = batchStarting;
        return options;
    }

    /// <summary>A folder of its own for one Fit's temporary files, deleted afterwards.</summary>
    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("inception-context-cancel-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}

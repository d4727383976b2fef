using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Cancelling a Fit at any point, not only between epochs: while the images are read, and during any batch of a
/// training. It stops before the next batch with an <see cref="OperationCanceledException"/>, reads no further, leaves
/// no temporary file, and leaves nothing behind (random generators, threads, TorchSharp state) that changes the next
/// Fit. Batches and rows are counted, not timed, so the tests mean the same on a busy machine as on an idle one.
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    /// <summary>Training images of each digit in the cancelled Fits.</summary>
    private const int PerClass = 10;

    /// <summary>Epochs of the cancelled Fits: a cancellation during the first must stop the second.</summary>
    private const int Epochs = 2;

    /// <summary>Batches in each epoch of those Fits (100 images in batches of 32).</summary>
    private static readonly int BatchesPerEpoch = (int)Math.Ceiling(10.0 * PerClass / DigitsPipeline.QuickOptions().BatchSize);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_CancelledWhileReadingTheImages_ThrowsBeforeTrainingAndStopsReading()
    {
        // All 1,500 training rows: ML.NET's parallel image cursor reads about a thousand rows ahead of the estimator.
        const int cancelAt = 50;
        var ml = new MLContext(seed: 1);
        List<ImageRow> rows = DigitImages.Train.ToList();
        using var cancellation = new CancellationTokenSource();
        int passes = 0;
        int read = 0;
        IEnumerable<ImageRow> CancellingRows()
        {
            passes++;
            foreach (ImageRow row in rows)
            {
                if (++read == cancelAt)
                {
                    cancellation.Cancel();
                }

                yield return row;
            }
        }

        // The key mapping is fitted on the same rows beforehand, so that the estimator's own read is the only pass over
        // the cancelling rows: the cancellation comes while it reads them, not before it starts.
        ITransformer preprocessing = DigitsPipeline.Preprocessing(ml).Fit(ml.Data.LoadFromEnumerable(rows));
        IDataView input = preprocessing.Transform(ml.Data.LoadFromEnumerable(CancellingRows()));
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.CancellationToken = cancellation.Token;
        bool trained = false;
        options.EpochCompleted = _ => trained = true;
        long batches = 0;
        options.BatchStarting = _ => batches++;

        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Transforms.Inception(options).Fit(input));
        int readWhenThrown = read;
        Thread.Sleep(500); // for any reading still going on to show

        Assert.AreEqual(1, passes, "The estimator reads its input once, and the cancellation came during that read.");
        Assert.AreEqual(0L, batches, "No batch may start after a cancellation during reading.");
        Assert.IsFalse(trained, "No epoch may run after a cancellation during reading.");
        Assert.IsLessThan(rows.Count, readWhenThrown, "Reading stops at the cancellation, not at the end of the data.");
        Assert.AreEqual(readWhenThrown, read, "Nothing goes on reading the data once Fit has thrown.");
    }

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void Fit_CancelledDuringEachBatch_NoFurtherBatchNoModelAndTheNextFitScoresTheSame()
    {
        string temporary = Directory.CreateTempSubdirectory("inception-cancel-").FullName;
        try
        {
            long uncancelledBatches = 0;
            (TransformerChain<InceptionTransformer> first, IDataView firstTrain) = Fit(CancellationToken.None, temporary, batchStarting: _ => uncancelledBatches++);
            float[][] expected = Scores(first, firstTrain);
            Assert.AreEqual((long)(Epochs * BatchesPerEpoch), uncancelledBatches, "Batches of an uncancelled Fit.");

            // The token is cancelled on the training thread as batch k starts, as if a caller cancelled while it ran;
            // the last one comes during the last batch, when only the export is left to do.
            for (long k = 1; k <= uncancelledBatches; k++)
            {
                string folder = Directory.CreateDirectory(Path.Combine(temporary, $"batch-{k}")).FullName;
                using var cancellation = new CancellationTokenSource();
                long started = 0;
                int epochs = 0;
                void OnBatch(long batch)
                {
                    started = batch;
                    if (batch == k)
                    {
                        cancellation.Cancel();
                    }
                }

                var e = Assert.ThrowsExactly<OperationCanceledException>(
                    () => Fit(cancellation.Token, folder, _ => epochs++, OnBatch), $"Cancelled during batch {k}: Fit returns no model.");

                Assert.AreEqual(cancellation.Token, e.CancellationToken, $"Cancelled during batch {k}: the caller's token.");
                Assert.AreEqual(k, started, $"Cancelled during batch {k}: no batch starts after it.");
                Assert.AreEqual((int)(k / BatchesPerEpoch), epochs, $"Cancelled during batch {k}: only the epochs it ended are reported.");
                CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(folder), $"Cancelled during batch {k}: a cancelled Fit leaves no temporary file.");
            }

            // After the last epoch's callback: nothing is left to train, and yet no model is returned.
            using (var late = new CancellationTokenSource())
            {
                string folder = Directory.CreateDirectory(Path.Combine(temporary, "after-the-last-epoch")).FullName;
                Assert.ThrowsExactly<OperationCanceledException>(
                    () => Fit(late.Token, folder, m => { if (m.Epoch == Epochs) late.Cancel(); }), "Cancelled in the last epoch's callback: Fit returns no model.");
                CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(folder), "Cancelled after the last epoch: no temporary file.");
            }

            (TransformerChain<InceptionTransformer> again, IDataView againTrain) = Fit(CancellationToken.None, temporary);
            float[][] actual = Scores(again, againTrain);

            Assert.HasCount(expected.Length, actual);
            for (int i = 0; i < expected.Length; i++)
            {
                CollectionAssert.AreEqual(expected[i], actual[i], $"Row {i} scores differently after the cancelled Fits.");
            }
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>
    /// One Fit of <see cref="Epochs"/> epochs with a fresh context of seed 1, on <see cref="PerClass"/> images of each
    /// digit. ML.NET writes its copy of the trained ONNX model in <paramref name="temporary"/>.
    /// </summary>
    private static (TransformerChain<InceptionTransformer> Model, IDataView Train) Fit(
        CancellationToken cancellation, string temporary, Action<InceptionEpochMetrics>? epochCompleted = null, Action<long>? batchStarting = null)
    {
        var ml = new MLContext(seed: 1) { TempFilePath = temporary };
        IDataView train = DigitsPipeline.SmallTrain(ml, PerClass);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = Epochs;
        options.CancellationToken = cancellation;
        options.EpochCompleted = epochCompleted;
        options.BatchStarting = batchStarting;
        return (DigitsPipeline.Create(ml, options).Fit(train), train);
    }

    private static float[][] Scores(ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float[]>("Score").ToArray();
}

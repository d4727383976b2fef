using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Cancelling a Fit at any point, not only between epochs: while the images are read, and at arbitrary moments of a
/// training. It stops soon with an <see cref="OperationCanceledException"/>, reads no further, leaves no temporary
/// file, and leaves nothing behind (random generators, threads, TorchSharp state) that changes the next Fit.
/// </summary>
[TestClass]
public sealed class CancellationTests
{
    /// <summary>Training images of each digit in the timed Fits.</summary>
    private const int PerClass = 10;

    /// <summary>Epochs of the timed Fits: a cancellation during the first must stop the second.</summary>
    private const int Epochs = 2;

    /// <summary>Batches in each timed Fit.</summary>
    private static readonly int BatchesPerFit = Epochs * (int)Math.Ceiling(10.0 * PerClass / DigitsPipeline.QuickOptions().BatchSize);

    /// <summary>The fractions of an uncancelled Fit's duration after which the cancelled Fits are cancelled.</summary>
    private static readonly double[] Fractions = [0.2, 0.4, 0.6, 0.8];

    /// <summary>The fractions too early for a Fit to finish before its cancellation; a later one may.</summary>
    private static readonly double[] Early = [0.2, 0.4];

    /// <summary>
    /// The longest a Fit may go on after its cancellation, or three batches where they are slower. It stops within the
    /// batch it is in: under 0.5 s measured on an idle machine, up to 6.5 s with another training competing for the two
    /// cores (batches of about 6 s).
    /// </summary>
    private static readonly TimeSpan Soon = TimeSpan.FromSeconds(15);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_CancelledWhileReadingTheImages_ThrowsBeforeTrainingAndStopsReading()
    {
        // All 1,500 training rows: ML.NET's parallel image cursor reads about a thousand rows ahead of the estimator.
        const int cancelAt = 50;
        var ml = new MLContext(seed: 1);
        List<ImageRow> rows = DigitImages.Train.ToList();
        using var cancellation = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        TimeSpan cancelledAt = TimeSpan.Zero;
        int passes = 0;
        int read = 0;
        IEnumerable<ImageRow> CancellingRows()
        {
            passes++;
            foreach (ImageRow row in rows)
            {
                if (++read == cancelAt)
                {
                    cancelledAt = clock.Elapsed;
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

        clock.Restart();
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Transforms.Inception(options).Fit(input));
        TimeSpan delay = clock.Elapsed - cancelledAt;
        int readWhenThrown = read;
        Thread.Sleep(500); // for any reading still going on to show

        Assert.AreEqual(1, passes, "The estimator reads its input once, and the cancellation came during that read.");
        Assert.IsFalse(trained, "No epoch may run after a cancellation during reading.");
        Assert.IsLessThan(Soon, delay, "From the cancellation to the exception.");
        Assert.IsLessThan(rows.Count, readWhenThrown, "Reading stops at the cancellation, not at the end of the data.");
        Assert.AreEqual(readWhenThrown, read, "Nothing goes on reading the data once Fit has thrown.");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Fit_CancelledAtFractionsOfItsDuration_ThrowsSoonAndTheNextFitScoresTheSame()
    {
        string temporary = Directory.CreateTempSubdirectory("inception-cancel-").FullName;
        try
        {
            // The first Fit gives the scores to compare with; the second, warm (TorchSharp and oneDNN set up once per
            // process), the duration to cancel at fractions of.
            (TransformerChain<InceptionTransformer> first, IDataView firstTrain) = Fit(CancellationToken.None, temporary);
            float[][] expected = Scores(first, firstTrain);
            var watch = Stopwatch.StartNew();
            Fit(CancellationToken.None, temporary);
            TimeSpan duration = watch.Elapsed;

            var outcomes = new List<string>();
            var completed = new List<double>();
            foreach (double fraction in Fractions)
            {
                // Another process on the machine can make one Fit ten times slower than the next. A Fit that completes
                // before its cancellation comes, or despite an early one, shows the estimate was too long: it is
                // repeated with its own duration (a Fit that completes despite a cancellation during its first epoch
                // fails at once).
                for (int attempt = 1; ; attempt++)
                {
                    string folder = Directory.CreateDirectory(Path.Combine(temporary, $"{fraction.ToString(CultureInfo.InvariantCulture)}-{attempt}")).FullName;
                    using var cancellation = new CancellationTokenSource();
                    var clock = Stopwatch.StartNew();
                    long cancelledTicks = -1;
                    using CancellationTokenRegistration registration = cancellation.Token.Register(() => Volatile.Write(ref cancelledTicks, clock.Elapsed.Ticks));
                    TimeSpan? CancelledAt()
                    {
                        // The token reads as cancelled a moment before its callbacks run.
                        return cancellation.IsCancellationRequested && SpinWait.SpinUntil(() => Volatile.Read(ref cancelledTicks) >= 0, Soon)
                            ? TimeSpan.FromTicks(cancelledTicks)
                            : null;
                    }

                    TimeSpan? firstEpochEnded = null;
                    cancellation.CancelAfter(duration * fraction);
                    try
                    {
                        Fit(cancellation.Token, folder, _ => firstEpochEnded ??= clock.Elapsed);
                        TimeSpan? cancelledAt = CancelledAt();

                        // Cancelled during the first epoch, the second would have stopped at its first batch.
                        Assert.IsFalse(cancelledAt < firstEpochEnded, $"{fraction:P0}: cancelled at {cancelledAt?.TotalSeconds:F2} s, before the first epoch ended at {firstEpochEnded?.TotalSeconds:F2} s, and yet completed.");
                        if ((cancelledAt is null || Early.Contains(fraction)) && attempt < 3)
                        {
                            duration = clock.Elapsed;
                            continue;
                        }

                        completed.Add(fraction);
                        outcomes.Add($"{fraction:P0} (attempt {attempt}): completed, cancelled at {cancelledAt?.TotalSeconds:F2} s, the first epoch ended at {firstEpochEnded?.TotalSeconds:F2} s");
                    }
                    catch (OperationCanceledException e)
                    {
                        TimeSpan thrownAt = clock.Elapsed;
                        TimeSpan cancelledAt = CancelledAt() ?? throw new AssertFailedException("Fit threw OperationCanceledException without a cancellation.", e);
                        TimeSpan delay = thrownAt - cancelledAt;
                        Assert.AreEqual(typeof(OperationCanceledException), e.GetType(), e.ToString());
                        TimeSpan threeBatches = duration * 3 / BatchesPerFit;
                        TimeSpan bound = Soon > threeBatches ? Soon : threeBatches;
                        Assert.IsLessThan(bound, delay, $"{fraction:P0}: from the cancellation at {cancelledAt.TotalSeconds:F2} s to the exception; a Fit took {duration.TotalSeconds:F2} s.");
                        CollectionAssert.AreEqual(Array.Empty<string>(), Directory.GetFileSystemEntries(folder), $"{fraction:P0}: a cancelled Fit leaves no temporary file.");
                        outcomes.Add($"{fraction:P0} (attempt {attempt}): cancelled at {cancelledAt.TotalSeconds:F2} s, threw {delay.TotalSeconds:F2} s later");
                    }

                    break;
                }
            }

            (TransformerChain<InceptionTransformer> again, IDataView againTrain) = Fit(CancellationToken.None, temporary);
            float[][] actual = Scores(again, againTrain);

            string summary = $"An uncancelled Fit took {duration.TotalSeconds:F2} s. " + string.Join("; ", outcomes);
            foreach (double fraction in Early)
            {
                CollectionAssert.DoesNotContain(completed, fraction, summary);
            }

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
        CancellationToken cancellation, string temporary, Action<InceptionEpochMetrics>? epochCompleted = null)
    {
        var ml = new MLContext(seed: 1) { TempFilePath = temporary };
        IDataView train = DigitsPipeline.SmallTrain(ml, PerClass);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = Epochs;
        options.CancellationToken = cancellation;
        options.EpochCompleted = epochCompleted;
        return (DigitsPipeline.Create(ml, options).Fit(train), train);
    }

    private static float[][] Scores(ITransformer model, IDataView data) =>
        model.Transform(data).GetColumn<float[]>("Score").ToArray();
}

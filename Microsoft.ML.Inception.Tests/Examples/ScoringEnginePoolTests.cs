using Microsoft.ML.Inception.Serving;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>
/// examples/Serving's pattern for servers: one loaded model, an engine per concurrent call from a pool (one engine
/// shared by threads crashes the process natively, so no test here does that). 8 threads scoring at once get exactly
/// the scores of one thread scoring alone.
/// </summary>
[TestClass]
public sealed class ScoringEnginePoolTests
{
    private const int Threads = 8;

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Predict_EightThreadsOnOneLoadedModel_ExactlyTheSingleThreadedScores()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = DigitsPipeline.SmallTrain(ml, perClass: 5);
        ITransformer labelToKey = LabelFreeDigitsPipeline.LabelToKey(ml, data);
        ITransformer fitted = LabelFreeDigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(labelToKey.Transform(data));
        using var zip = new MemoryStream();
        ml.Model.Save(fitted, data.Schema, zip);
        zip.Position = 0;
        var serving = new MLContext();
        ITransformer model = serving.Model.Load(zip, out _);
        UnlabelledImageRow[] images = [.. DigitImages.Test.Take(40).Select(r => new UnlabelledImageRow { ImagePath = r.ImagePath })];

        float[][] alone;
        using (PredictionEngine<UnlabelledImageRow, ScoreRow> engine =
            serving.Model.CreatePredictionEngine<UnlabelledImageRow, ScoreRow>(model, new PredictionEngineOptions { OwnsTransformer = false }))
        {
            alone = [.. images.Select(i => engine.Predict(i).Score)];
        }

        float[][][] concurrent = new float[Threads][][];
        using (var pool = new ScoringEnginePool<UnlabelledImageRow, ScoreRow>(serving, model))
        {
            var errors = new Exception?[Threads];
            using var start = new Barrier(Threads);
            Thread[] threads = [.. Enumerable.Range(0, Threads).Select(t => new Thread(() =>
            {
                try
                {
                    start.SignalAndWait();
                    // Each thread in its own order, so that different images are scored at the same moment.
                    concurrent[t] = new float[images.Length][];
                    for (int k = 0; k < images.Length; k++)
                    {
                        int i = (k + (5 * t)) % images.Length;
                        concurrent[t][i] = pool.Predict(images[i]).Score;
                    }
                }
                catch (Exception e)
                {
                    errors[t] = e;
                }
            }))];
            foreach (Thread thread in threads)
            {
                thread.Start();
            }

            foreach (Thread thread in threads)
            {
                thread.Join();
            }

            Assert.IsTrue(errors.All(e => e is null), string.Join(Environment.NewLine, errors.Where(e => e is not null)));
        }

        for (int t = 0; t < Threads; t++)
        {
            for (int i = 0; i < images.Length; i++)
            {
                CollectionAssert.AreEqual(alone[i], concurrent[t][i], $"Thread {t}, image {i}.");
            }
        }
    }

    /// <summary>The score column alone.</summary>
    public sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }
}

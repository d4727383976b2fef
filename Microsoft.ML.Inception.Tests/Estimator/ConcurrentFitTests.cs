using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>
/// Fit called from several threads at once, on one estimator, returns what the same Fits called one after another
/// return: libtorch's random generator (weight initialisation, dropout) is one per process.
/// </summary>
[TestClass]
public sealed class ConcurrentFitTests
{
    [TestMethod]
    public void Fit_FromTwoThreadsOnOneEstimator_EqualsSequentialFit()
    {
        var ml = new MLContext(seed: 1);
        IDataView raw = DigitsPipeline.SmallTrain(ml, perClass: 10);
        IDataView train = DigitsPipeline.Preprocessing(ml).Fit(raw).Transform(raw);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = 2;
        options.BatchSize = 16;
        options.Seed = 5;
        InceptionEstimator estimator = ml.Transforms.Inception(options);

        float[][] sequential = Scores(estimator.Fit(train), train);
        using var start = new Barrier(2);
        Task<InceptionTransformer>[] fits = [.. Enumerable.Range(0, 2).Select(_ => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait();
                return estimator.Fit(train);
            },
            TaskCreationOptions.LongRunning))];
        Task.WaitAll(fits);

        for (int fit = 0; fit < fits.Length; fit++)
        {
            float[][] concurrent = Scores(fits[fit].Result, train);
            for (int row = 0; row < sequential.Length; row++)
            {
                CollectionAssert.AreEqual(sequential[row], concurrent[row], $"Concurrent Fit {fit}, row {row}: the model differs from a sequential Fit with the same seed.");
            }
        }
    }

    private static float[][] Scores(InceptionTransformer model, IDataView data) => model.Transform(data).GetColumn<float[]>("Score").ToArray();
}

using System.Runtime.CompilerServices;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// ML.NET's <c>ApplyOnnxModel</c> reads a model from a file. Given a stream it copies it into a file it never deletes
/// (not even when the transformer is disposed), which left one 1.4 MB file per Fit in /tmp. The library writes the
/// file itself: one per live model, gone once the model is garbage collected (and at process exit).
/// </summary>
[TestClass]
public sealed class TemporaryFileTests
{
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_ModelsViewsAndEnsembles_OneOnnxFileEachWhileAliveNoneAfterwards()
    {
        string temporary = Directory.CreateTempSubdirectory("inception-temp-files-").FullName;
        try
        {
            int[] whileAlive = TrainSaveAndDrop(temporary);

            GC.Collect();
            GC.WaitForPendingFinalizers();

            CollectionAssert.AreEqual(new[] { 1, 2, 5 }, whileAlive, "One file per model: the model, its flipped copy, then two ensemble members and the ensemble.");
            Assert.IsEmpty(Directory.GetFiles(temporary), string.Join(", ", Directory.GetFiles(temporary)));
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }
    }

    /// <summary>Trains in <paramref name="temporary"/>'s MLContext, saves each model (which reads its file), and returns the file counts.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int[] TrainSaveAndDrop(string temporary)
    {
        var ml = new MLContext(seed: 1) { TempFilePath = temporary };
        IDataView train = DigitsPipeline.SmallTrain(ml);
        var counts = new List<int>();
        var model = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(train);
        counts.Add(Directory.GetFiles(temporary).Length);
        InceptionTransformer flipped = model.LastTransformer.WithTestTimeAugmentation(InceptionTestTimeAugmentation.HorizontalFlip);
        counts.Add(Directory.GetFiles(temporary).Length);
        var ensemble = DigitsPipeline.Preprocessing(ml).Append(ml.Transforms.InceptionEnsemble(DigitsPipeline.QuickOptions(), models: 2)).Fit(train);
        counts.Add(Directory.GetFiles(temporary).Length);
        foreach (ITransformer saved in new ITransformer[] { model, flipped, ensemble })
        {
            using var zip = new MemoryStream();
            ml.Model.Save(saved, train.Schema, zip);
            Assert.IsGreaterThan(100_000L, zip.Length);
        }

        return [.. counts];
    }
}

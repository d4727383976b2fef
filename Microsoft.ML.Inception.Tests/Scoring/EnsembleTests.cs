using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Scoring;

/// <summary>
/// Ensembles: combined models score the average of their members' probabilities, the ensemble estimator trains its
/// members with consecutive seeds, the ensemble saves and loads as stock ML.NET transformers, and members that cannot
/// be averaged are refused before any work.
/// </summary>
[TestClass]
public sealed class EnsembleTests
{
    private static IDataView test = null!;
    private static IDataView train = null!;
    private static TransformerChain<InceptionTransformer> first = null!;
    private static TransformerChain<InceptionTransformer> second = null!;

    [ClassInitialize]
    public static void TrainTwoModels(TestContext context)
    {
        var ml = new MLContext(seed: 1);
        train = DigitsPipeline.SmallTrain(ml);
        test = ml.Data.LoadFromEnumerable(DigitImages.Test.Take(40).ToList());
        first = DigitsPipeline.Create(ml, Seeded(11)).Fit(train);
        second = DigitsPipeline.Create(ml, Seeded(12)).Fit(train);
    }

    [TestMethod]
    public void Combine_TwoModels_ScoresTheAverageOfTheirProbabilities()
    {
        InceptionEnsembleTransformer ensemble = InceptionEnsembleTransformer.Combine([first.LastTransformer, second.LastTransformer]);

        float[][] a = Scores(first);
        float[][] b = Scores(second);
        float[][] averaged = Scores(WithLast(first, ensemble));

        double worst = averaged.SelectMany((s, i) => s.Select((v, j) => Math.Abs(v - ((a[i][j] + b[i][j]) / 2)))).Max();
        Assert.IsLessThan(1e-5, worst, $"The ensemble differs from the average by up to {worst:G3}.");
        Assert.IsFalse(a.Zip(b).All(p => p.First.SequenceEqual(p.Second)), "Two seeds give two different models.");
        CollectionAssert.AreEqual(first.LastTransformer.ClassNames.ToArray(), ensemble.ClassNames.ToArray());
    }

    [TestMethod]
    public void InceptionEnsemble_TwoModels_MembersAreTheSingleModelsOfConsecutiveSeeds()
    {
        var ml = new MLContext(seed: 1);
        var pipeline = DigitsPipeline.Preprocessing(ml).Append(ml.Transforms.InceptionEnsemble(Seeded(11), models: 2));

        var ensemble = pipeline.Fit(train);

        Assert.HasCount(2, ensemble.LastTransformer.Members);
        CollectionAssert.AreEqual(Scores(first).SelectMany(s => s).ToArray(), Scores(WithLast(first, ensemble.LastTransformer.Members[0])).SelectMany(s => s).ToArray());
        CollectionAssert.AreEqual(Scores(second).SelectMany(s => s).ToArray(), Scores(WithLast(first, ensemble.LastTransformer.Members[1])).SelectMany(s => s).ToArray());
    }

    [TestMethod]
    public void SaveAndLoad_EnsembleWithFlips_IdenticalScoresFromStockMlNetTransformersOnly()
    {
        var ml = new MLContext(seed: 1);
        InceptionEnsembleTransformer ensemble = InceptionEnsembleTransformer.Combine([first.LastTransformer, second.LastTransformer], InceptionTestTimeAugmentation.HorizontalFlip);
        ITransformer chain = WithLast(first, ensemble);
        using var zip = new MemoryStream();
        ml.Model.Save(chain, train.Schema, zip);
        zip.Position = 0;

        ITransformer loaded = new MLContext().Model.Load(zip, out _);

        CollectionAssert.AreEqual(Scores(chain).SelectMany(s => s).ToArray(), Scores(loaded).SelectMany(s => s).ToArray());
        var assemblies = Flatten(loaded).Select(t => t.GetType().Assembly.GetName().Name!).Distinct().ToList();
        Assert.IsTrue(assemblies.All(n => n.StartsWith("Microsoft.ML", StringComparison.Ordinal) && !n.Contains("Inception", StringComparison.Ordinal)), string.Join(", ", assemblies));
        Assert.AreEqual(InceptionTestTimeAugmentation.HorizontalFlip, ensemble.TestTimeAugmentation);
    }

    [TestMethod]
    public void Combine_MembersWithOtherClasses_RefusedNamingTheClasses()
    {
        var ml = new MLContext(seed: 1);
        IDataView fiveDigits = ml.Data.LoadFromEnumerable(DigitImages.Train.Where(r => string.CompareOrdinal(r.Label, "5") < 0).GroupBy(r => r.Label).SelectMany(g => g.Take(10)).ToList());
        var fiveClasses = DigitsPipeline.Create(ml, Seeded(11)).Fit(fiveDigits);

        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => InceptionEnsembleTransformer.Combine([first.LastTransformer, fiveClasses.LastTransformer]));

        StringAssert.Contains(e.Message, "model 1 has classes [0, 1, 2, 3, 4] where model 0 has [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
    }

    [TestMethod]
    public void Combine_MembersWithOtherImageSizes_RefusedNamingTheSizes()
    {
        var ml = new MLContext(seed: 1);
        var larger = ml.Transforms.Conversion.MapValueToKey("Label")
            .Append(ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", 40, 40))
            .Append(ml.Transforms.Inception(Seeded(11)))
            .Fit(train);

        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => InceptionEnsembleTransformer.Combine([first.LastTransformer, larger.LastTransformer]));

        StringAssert.Contains(e.Message, "model 1 has 40x40 images where model 0 has 32x32");
    }

    [TestMethod]
    public void Combine_OneModel_RefusedAndEnsembleOfOneModelRefused()
    {
        ArgumentException e = Assert.ThrowsExactly<ArgumentException>(() => InceptionEnsembleTransformer.Combine([first.LastTransformer]));
        StringAssert.Contains(e.Message, "An ensemble needs at least two trained models, got 1.");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext().Transforms.InceptionEnsemble(DigitsPipeline.QuickOptions(), models: 1));
    }

    private static InceptionOptions Seeded(int seed)
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Seed = seed;
        return options;
    }

    private static TransformerChain<ITransformer> WithLast(TransformerChain<InceptionTransformer> chain, ITransformer last) =>
        new([.. chain.Take(chain.Count() - 1), last]);

    private static float[][] Scores(ITransformer scorer) => [.. scorer.Transform(test).GetColumn<float[]>("Score")];

    private static IEnumerable<ITransformer> Flatten(ITransformer transformer) => transformer switch
    {
        IEnumerable<ITransformer> chain => chain.SelectMany(Flatten).Prepend(transformer),
        _ => [transformer],
    };
}

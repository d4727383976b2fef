using TorchSharp;

namespace Microsoft.ML.Inception.Tests.Network;

[TestClass]
public sealed class ModelSummaryTests
{
    private static readonly GoogLeNetOptions Paper = new() { Variant = GoogLeNetVariant.Paper };

    // The computed params and MACs columns of Table 1 (design.md section 1): weights without biases.
    [TestMethod]
    [DataRow("conv1", 112, 64, 9_408L, 118L)]
    [DataRow("inception3a", 28, 256, 163_328L, 128L)]
    [DataRow("inception3b", 28, 480, 388_096L, 304L)]
    [DataRow("inception4a", 14, 512, 375_552L, 74L)]
    [DataRow("inception4b", 14, 512, 448_512L, 88L)]
    [DataRow("inception4c", 14, 512, 509_440L, 100L)]
    [DataRow("inception4d", 14, 528, 604_672L, 119L)]
    [DataRow("inception4e", 14, 832, 867_328L, 170L)]
    [DataRow("inception5a", 7, 832, 1_042_432L, 51L)]
    [DataRow("inception5b", 7, 1024, 1_442_816L, 71L)]
    [DataRow("fc", 1, 1000, 1_024_000L, 1L)]
    public void PaperVariantAt224_ReproducesTable1Row(string layer, int size, int channels, long weights, long megaMultiplyAdds)
    {
        LayerSummary row = ModelSummary.Create(Paper, 224, 224)[layer];

        Assert.AreEqual(size, row.OutputHeight);
        Assert.AreEqual(channels, row.OutputChannels);
        Assert.AreEqual(weights, row.Weights);
        Assert.AreEqual(megaMultiplyAdds, (long)Math.Round(row.MultiplyAdds / 1e6));
    }

    [TestMethod]
    public void PaperVariantAt224_Conv2RowOfTable1IsReductionPlus3x3()
    {
        ModelSummary summary = ModelSummary.Create(Paper, 224, 224);

        Assert.AreEqual(114_688L, summary["conv2"].Weights + summary["conv3"].Weights);
        Assert.AreEqual(360L, (long)Math.Round((summary["conv2"].MultiplyAdds + summary["conv3"].MultiplyAdds) / 1e6));
        Assert.AreEqual(56, summary["conv3"].OutputHeight);
    }

    [TestMethod]
    public void PaperVariantAt224_Totals6990272WeightsAnd158GMultiplyAdds()
    {
        ModelSummary summary = ModelSummary.Create(Paper, 224, 224);

        Assert.AreEqual(6_990_272L, summary.TotalWeights);
        Assert.AreEqual(1.58, Math.Round(summary.TotalMultiplyAdds / 1e9, 2));
    }

    [TestMethod]
    public void Inception3a_FiveByFiveBranch_ReductionCuts120MTo12M()
    {
        BranchSummary branch = ModelSummary.Create(Paper, 224, 224)["inception3a"].Branches.Single(b => b.Name == "5x5");

        Assert.AreEqual(5 * 5 * 28 * 28 * 192L * 32, branch.MultiplyAddsWithoutReduction);
        Assert.AreEqual((28 * 28 * 192L * 16) + (5 * 5 * 28 * 28 * 16L * 32), branch.MultiplyAdds);
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision, 1.0, true, 1000)]
    [DataRow(GoogLeNetVariant.TorchVision, 0.25, true, 10)]
    [DataRow(GoogLeNetVariant.Paper, 1.0, true, 1000)]
    [DataRow(GoogLeNetVariant.Paper, 0.5, false, 3)]
    public void Parameters_EqualTheBuiltNetwork(GoogLeNetVariant variant, double width, bool auxiliary, int classes)
    {
        var options = new GoogLeNetOptions { Variant = variant, WidthMultiplier = width, AuxiliaryClassifiers = auxiliary, NumberOfClasses = classes };
        using var net = new GoogLeNet(options);
        ModelSummary summary = net.Summarize(224, 224);
        long auxiliaryCount = net.named_parameters().Where(p => p.name.StartsWith("aux", StringComparison.Ordinal)).Sum(p => p.parameter.numel());

        Assert.AreEqual(net.parameters().Sum(p => p.numel()) - auxiliaryCount, summary.TotalParameters);
        Assert.AreEqual(auxiliaryCount, summary.AuxiliaryParameters);
    }

    [TestMethod]
    public void TorchVisionVariantAt224_TotalParametersAre6624904()
    {
        Assert.AreEqual(6_624_904L, ModelSummary.Create(new GoogLeNetOptions(), 224, 224).TotalParameters);
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision, 32, 32)]
    [DataRow(GoogLeNetVariant.TorchVision, 57, 90)]
    [DataRow(GoogLeNetVariant.Paper, 32, 33)]
    [DataRow(GoogLeNetVariant.Paper, 100, 64)]
    [DataRow(GoogLeNetVariant.Paper, 224, 224)]
    public void OutputShape_MatchesForwardFeatures(GoogLeNetVariant variant, int height, int width)
    {
        var options = new GoogLeNetOptions { Variant = variant, WidthMultiplier = 0.25, NumberOfClasses = 10 };
        using var net = new GoogLeNet(options);
        net.eval();
        using var input = torch.rand(1, 3, height, width);
        using var features = net.ForwardFeatures(input);
        LayerSummary last = net.Summarize(height, width)["inception5b"];

        CollectionAssert.AreEqual(new long[] { 1, last.OutputChannels, last.OutputHeight, last.OutputWidth }, features.shape);
    }

    [TestMethod]
    public void ToString_PrintsEveryLayerAndTotals()
    {
        string table = ModelSummary.Create(Paper, 224, 224).ToString();

        StringAssert.Contains(table, "inception3a");
        StringAssert.Contains(table, "28x28x256");
        StringAssert.Contains(table, "163,328");
        StringAssert.Contains(table, "6,990,272");
        StringAssert.Contains(table, "1.58 G");
        StringAssert.Contains(table, "5x5 (5x5): 12.4 M / 120.4 M");
    }

    [TestMethod]
    public void Create_InputSmallerThan32_Throws()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ModelSummary.Create(Paper, 16, 64));

        Assert.AreEqual("height", e.ParamName);
        Assert.Contains("got 16x64", e.Message);
    }
}

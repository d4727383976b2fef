using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Network;

[TestClass]
public sealed class GoogLeNetTests
{
    private static readonly GoogLeNetOptions Tiny = new() { NumberOfClasses = 10, WidthMultiplier = 0.25 };

    [TestInitialize]
    public void Seed() => torch.manual_seed(20141231);

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision, 3, 32, 32, 0.25, 10)]
    [DataRow(GoogLeNetVariant.TorchVision, 1, 28 + 4, 48, 0.25, 2)]
    [DataRow(GoogLeNetVariant.TorchVision, 3, 64, 64, 0.5, 7)]
    [DataRow(GoogLeNetVariant.TorchVision, 1, 96, 80, 0.25, 10)]
    [DataRow(GoogLeNetVariant.Paper, 3, 32, 32, 0.25, 10)]
    [DataRow(GoogLeNetVariant.Paper, 1, 45, 64, 0.25, 3)]
    [DataRow(GoogLeNetVariant.Paper, 3, 96, 96, 0.5, 5)]
    public void Forward_AnySizeWidthAndChannels_ReturnsOneLogitPerClass(
        GoogLeNetVariant variant, int channels, int height, int width, double multiplier, int classes)
    {
        using var net = new GoogLeNet(new GoogLeNetOptions
        {
            Variant = variant, InputChannels = channels, WidthMultiplier = multiplier, NumberOfClasses = classes,
        });
        net.eval();
        using var input = torch.rand(2, channels, height, width);
        using var logits = net.call(input);

        CollectionAssert.AreEqual(new long[] { 2, classes }, logits.shape);
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision)]
    [DataRow(GoogLeNetVariant.Paper)]
    public void ForwardFeatures_At224FullWidth_Is1024x7x7(GoogLeNetVariant variant)
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { Variant = variant, AuxiliaryClassifiers = false });
        net.eval();
        using var input = torch.rand(1, 3, 224, 224);
        using var features = net.ForwardFeatures(input);

        CollectionAssert.AreEqual(new long[] { 1, 1024, 7, 7 }, features.shape);
        Assert.AreEqual(1024, net.FeatureChannels);
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision, 1)]
    [DataRow(GoogLeNetVariant.TorchVision, 3)]
    [DataRow(GoogLeNetVariant.Paper, 3)]
    public void ChannelsLast_SameWeights_SameLogitsGradientsAndContiguousFeatures(GoogLeNetVariant variant, int channels)
    {
        var options = Tiny with { Variant = variant, InputChannels = channels };
        using var channelsLast = new GoogLeNet(options with { ChannelsLast = true });
        using var contiguous = new GoogLeNet(options with { ChannelsLast = false });
        contiguous.load_state_dict(channelsLast.state_dict());
        channelsLast.eval();
        contiguous.eval();
        using var input = torch.rand(4, channels, 64, 64) * 2 - 1;

        using Tensor a = channelsLast.call(input);
        using Tensor b = contiguous.call(input);
        a.sum().backward();
        b.sum().backward();
        using Tensor features = channelsLast.ForwardFeatures(input);

        Assert.IsTrue(a.allclose(b, rtol: 1e-4, atol: 1e-5), $"Largest logit difference {(a - b).abs().max().item<float>()}.");
        Tensor gradA = channelsLast.named_parameters().First(p => p.name == "conv1.conv.weight" || p.name == "conv1.weight").parameter.grad!;
        Tensor gradB = contiguous.named_parameters().First(p => p.name == "conv1.conv.weight" || p.name == "conv1.weight").parameter.grad!;
        Assert.IsTrue(gradA.allclose(gradB, rtol: 1e-3, atol: 1e-5), $"Largest conv1 gradient difference {(gradA - gradB).abs().max().item<float>()}.");
        Assert.IsTrue(features.is_contiguous(), "ForwardFeatures returns a contiguous tensor.");
    }

    [TestMethod]
    public void Parameters_TorchVisionVariantWithoutAuxiliary_Has6624904In344StateDictEntries()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { AuxiliaryClassifiers = false });

        Assert.AreEqual(6_624_904L, net.parameters().Sum(p => p.numel()));
        Assert.HasCount(344, net.state_dict());
    }

    [TestMethod]
    public void StateDict_TorchVisionVariant_MatchesTorchSharpGoogLeNetNamesAndShapes()
    {
        using var ours = new GoogLeNet(new GoogLeNetOptions { AuxiliaryClassifiers = false });
        using var reference = torchvision.models.googlenet();
        var expected = reference.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]").ToList();
        var actual = ours.state_dict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.shape)}]").ToList();

        CollectionAssert.AreEqual(expected, actual);
    }

    [TestMethod]
    public void StateDict_WithAuxiliary_NamesHeadsLikeTorchVision()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions());
        var keys = net.state_dict().Keys.ToHashSet();

        foreach (string key in new[] { "aux1.conv.conv.weight", "aux1.conv.bn.running_mean", "aux1.fc1.weight", "aux1.fc2.bias", "aux2.fc1.weight", "aux2.fc2.weight" })
        {
            Assert.Contains(key, keys);
        }

        Assert.AreEqual(2048L, net.state_dict()["aux1.fc1.weight"].shape[1]);
        Assert.AreEqual(1000L, net.state_dict()["aux2.fc2.weight"].shape[0]);
    }

    [TestMethod]
    public void Weights_PaperVariant_Total6990272WithoutBiases()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { Variant = GoogLeNetVariant.Paper, AuxiliaryClassifiers = false });
        long weights = net.named_parameters().Where(p => p.name.EndsWith(".weight", StringComparison.Ordinal)).Sum(p => p.parameter.numel());

        Assert.AreEqual(6_990_272L, weights);
        Assert.IsFalse(net.state_dict().Keys.Any(k => k.Contains(".bn.", StringComparison.Ordinal)), "The paper variant has no batch norm.");
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.Paper, 5L)]
    [DataRow(GoogLeNetVariant.TorchVision, 3L)]
    public void ThirdBranch_KernelFollowsVariant(GoogLeNetVariant variant, long kernel)
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { Variant = variant });

        CollectionAssert.AreEqual(new[] { 32L, 16L, kernel, kernel }, net.state_dict()["inception3a.branch3.1.conv.weight"].shape);
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision)]
    [DataRow(GoogLeNetVariant.Paper)]
    public void AuxiliaryOutputs_PresentOnlyInTrainingMode(GoogLeNetVariant variant)
    {
        using var net = new GoogLeNet(Tiny with { Variant = variant });
        using var input = torch.rand(3, 3, 64, 64);

        net.train();
        GoogLeNetOutput training = net.ForwardWithAuxiliary(input);
        net.eval();
        GoogLeNetOutput inference = net.ForwardWithAuxiliary(input);

        CollectionAssert.AreEqual(new long[] { 3, 10 }, training.Auxiliary1!.shape);
        CollectionAssert.AreEqual(new long[] { 3, 10 }, training.Auxiliary2!.shape);
        Assert.IsNull(inference.Auxiliary1);
        Assert.IsNull(inference.Auxiliary2);
    }

    [TestMethod]
    public void AuxiliaryOutputs_NotBuilt_AbsentInTraining()
    {
        using var net = new GoogLeNet(Tiny with { AuxiliaryClassifiers = false });
        net.train();
        using var input = torch.rand(2, 3, 32, 32);

        GoogLeNetOutput output = net.ForwardWithAuxiliary(input);

        Assert.IsNull(output.Auxiliary1);
        Assert.IsFalse(net.state_dict().Keys.Any(k => k.StartsWith("aux", StringComparison.Ordinal)));
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision)]
    [DataRow(GoogLeNetVariant.Paper)]
    public void Backward_WithAuxiliaryLosses_EveryParameterReceivesAGradient(GoogLeNetVariant variant)
    {
        using var net = new GoogLeNet(Tiny with { Variant = variant });
        net.train();
        using var input = torch.randn(4, 3, 64, 64);
        using var labels = torch.tensor(new long[] { 0, 3, 5, 9 });

        GoogLeNetOutput output = net.ForwardWithAuxiliary(input);
        using var loss = nn.functional.cross_entropy(output.Logits, labels)
            + (0.3 * nn.functional.cross_entropy(output.Auxiliary1!, labels))
            + (0.3 * nn.functional.cross_entropy(output.Auxiliary2!, labels));
        loss.backward();

        foreach ((string name, var parameter) in net.named_parameters())
        {
            Assert.IsNotNull(parameter.grad, $"{name} received no gradient.");
            Assert.IsGreaterThan(0.0, parameter.grad.abs().sum().item<float>(), $"{name} received an all-zero gradient.");
        }
    }

    [TestMethod]
    public void Eval_SameInputTwice_IdenticalOutputs()
    {
        using var net = new GoogLeNet(Tiny);
        net.eval();
        using var input = torch.rand(2, 3, 48, 48);

        using var first = net.call(input);
        using var second = net.call(input);

        Assert.IsTrue(first.equal(second).all().item<bool>());
    }

    [TestMethod]
    public void WidthMultiplier_Half_QuartersTheParameters()
    {
        using var full = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 10, AuxiliaryClassifiers = false });
        using var half = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 10, AuxiliaryClassifiers = false, WidthMultiplier = 0.5 });
        double ratio = (double)half.parameters().Sum(p => p.numel()) / full.parameters().Sum(p => p.numel());

        Assert.IsTrue(ratio is > 0.24 and < 0.26, $"Halving every channel count should quarter the weights, got ratio {ratio:F3}.");
        Assert.AreEqual(32L, half.state_dict()["conv1.conv.weight"].shape[0]);
        Assert.AreEqual(512, half.FeatureChannels);
    }

    [TestMethod]
    public void ResetClassifier_NewClassCount_ReplacesHeadsAndKeepsBackbone()
    {
        using var net = new GoogLeNet(Tiny);
        net.eval();
        using var before = net.state_dict()["inception4e.branch2.1.conv.weight"].clone();
        int entries = net.state_dict().Count;

        net.ResetClassifier(4);
        using var input = torch.rand(2, 3, 32, 32);
        using var logits = net.call(input);

        CollectionAssert.AreEqual(new long[] { 2, 4 }, logits.shape);
        Assert.AreEqual(4L, net.state_dict()["aux1.fc2.weight"].shape[0]);
        Assert.AreEqual(4, net.Options.NumberOfClasses);
        Assert.AreEqual(entries, net.state_dict().Count);
        Assert.IsTrue(before.equal(net.state_dict()["inception4e.branch2.1.conv.weight"]).all().item<bool>());
    }

    [TestMethod]
    public void LocalResponseNormalization_PaperVariant_ChangesActivationsButNoParameters()
    {
        torch.manual_seed(1);
        using var with = new GoogLeNet(Tiny with { Variant = GoogLeNetVariant.Paper });
        torch.manual_seed(1);
        using var without = new GoogLeNet(Tiny with { Variant = GoogLeNetVariant.Paper, LocalResponseNormalization = false });
        with.eval();
        without.eval();
        using var input = torch.rand(1, 3, 32, 32) * 50;

        using var a = with.ForwardFeatures(input);
        using var b = without.ForwardFeatures(input);

        Assert.AreEqual(with.parameters().Sum(p => p.numel()), without.parameters().Sum(p => p.numel()));
        Assert.IsFalse(a.allclose(b));
    }

    [TestMethod]
    public void Options_ZeroClasses_ThrowsNamingArgumentAndValue()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 0 }));

        Assert.AreEqual("NumberOfClasses", e.ParamName);
        Assert.Contains("NumberOfClasses must be at least 1, got 0.", e.Message);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-0.5)]
    [DataRow(double.NaN)]
    public void Options_WidthNotPositive_ThrowsNamingArgumentAndValue(double width)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = width }));

        Assert.AreEqual("WidthMultiplier", e.ParamName);
        Assert.Contains($"got {width.ToString(System.Globalization.CultureInfo.InvariantCulture)}.", e.Message);
    }

    [TestMethod]
    public void Options_SeveralInvalid_AllReportedInOneException()
    {
        var options = new GoogLeNetOptions { NumberOfClasses = -1, InputChannels = 2, Dropout = 1.5, AuxiliaryDropout = -0.1 };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);

        StringAssert.StartsWith(e.Message, "Invalid GoogLeNet options: NumberOfClasses must be at least 1, got -1. InputChannels must be 1 (grey) or 3 (colour), got 2. Dropout must be in [0, 1), got 1.5. AuxiliaryDropout must be in [0, 1), got -0.1.");
    }

    [TestMethod]
    public void Forward_InputSmallerThan32_ThrowsNamingSizes()
    {
        using var net = new GoogLeNet(Tiny);
        using var input = torch.rand(1, 3, 31, 40);

        var e = Assert.ThrowsExactly<ArgumentException>(() => net.call(input));

        Assert.AreEqual("input", e.ParamName);
        Assert.Contains("at least 32x32 pixels, got 31x40", e.Message);
    }

    [TestMethod]
    public void Forward_WrongChannelCount_ThrowsNamingExpectedAndActual()
    {
        using var net = new GoogLeNet(Tiny);
        using var input = torch.rand(1, 1, 32, 32);

        var e = Assert.ThrowsExactly<ArgumentException>(() => net.call(input));

        Assert.Contains("Expected 3 input channel(s), got 1", e.Message);
    }

    [TestMethod]
    public void ResetClassifier_ZeroClasses_Throws()
    {
        using var net = new GoogLeNet(Tiny);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => net.ResetClassifier(0));

        Assert.AreEqual("numberOfClasses", e.ParamName);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Weights;

/// <summary>Weights load into a GoogLeNet by name; transfer learning's adaptations are made and reported, anything else that does not fit is listed.</summary>
[TestClass]
public sealed class GoogLeNetWeightsTests
{
    private static readonly GoogLeNetOptions Small = new() { WidthMultiplier = 0.125, NumberOfClasses = 10, InputChannels = 3 };
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-weights-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    [DataRow("weights.safetensors", "safetensors")]
    [DataRow("weights.dat", "TorchSharp")]
    public void SaveThenLoad_SameNetworkOptions_GivesIdenticalWeights(string file, string format)
    {
        using GoogLeNet source = Network(Small, seed: 1);
        using GoogLeNet target = Network(Small, seed: 2);
        string path = Path.Combine(folder, file);

        GoogLeNetWeights.Save(source, path);
        GoogLeNetWeightsReport report = GoogLeNetWeights.Load(target, path);

        Assert.AreEqual(format, report.Format);
        Assert.HasCount(source.state_dict().Count, report.LoadedTensors);
        Assert.IsEmpty(report.ReinitializedTensors);
        foreach ((string name, Tensor value) in source.state_dict())
        {
            Assert.IsTrue(Same(value, target.state_dict()[name]), name);
        }
    }

    [TestMethod]
    [DataRow("weights.pth")]
    [DataRow("weights.PT")]
    public void Save_ToAPyTorchExtension_RefusedBeforeWritingAnything(string file)
    {
        using GoogLeNet network = Network(Small, seed: 1);
        string path = Path.Combine(folder, file);

        var e = Assert.ThrowsExactly<ArgumentException>(() => GoogLeNetWeights.Save(network, path));

        Assert.Contains($"'{path}'", e.Message);
        Assert.Contains("torch.load could not read it", e.Message);
        Assert.Contains(".safetensors", e.Message);
        Assert.IsFalse(File.Exists(path));
    }

    [TestMethod]
    public void Load_FileForAnotherClassCount_ReplacesOnlyTheClassifiers()
    {
        using GoogLeNet source = Network(Small, seed: 1);
        using GoogLeNet target = Network(Small with { NumberOfClasses = 5 }, seed: 2);
        using Tensor freshFc = target.state_dict()["fc.weight"].clone();
        string path = Path.Combine(folder, "ten-classes.safetensors");
        GoogLeNetWeights.Save(source, path);

        GoogLeNetWeightsReport report = GoogLeNetWeights.Load(target, path);

        CollectionAssert.AreEquivalent(new[] { "fc.weight", "fc.bias", "aux1.fc2.weight", "aux1.fc2.bias", "aux2.fc2.weight", "aux2.fc2.bias" }, report.ReinitializedTensors.ToList());
        Assert.IsTrue(Same(target.state_dict()["fc.weight"], freshFc), "The classifier for the new classes keeps its fresh weights.");
        Assert.IsTrue(Same(target.state_dict()["aux1.fc1.weight"], source.state_dict()["aux1.fc1.weight"]));
        Assert.IsTrue(Same(target.state_dict()["inception5b.branch4.1.conv.weight"], source.state_dict()["inception5b.branch4.1.conv.weight"]));
        StringAssert.Contains(report.Notes[0], "The file's classifiers are for 10 classes and the network has 5");
    }

    [TestMethod]
    public void Load_ColourWeightsIntoAGreyNetwork_SumsConv1OverTheColourChannels()
    {
        using GoogLeNet source = Network(Small, seed: 1);
        using GoogLeNet target = Network(Small with { InputChannels = 1 }, seed: 2);
        string path = Path.Combine(folder, "colour.safetensors");
        GoogLeNetWeights.Save(source, path);

        GoogLeNetWeightsReport report = GoogLeNetWeights.Load(target, path);

        Assert.IsTrue(report.InputChannelsConverted);
        using Tensor summed = source.state_dict()["conv1.conv.weight"].sum(1, keepdim: true);
        Assert.IsTrue(target.state_dict()["conv1.conv.weight"].allclose(summed), "conv1 sees a grey image as its colour version would be seen.");
    }

    [TestMethod]
    public void Load_FileWithoutAuxiliaryClassifiers_KeepsThemFreshAndSaysSo()
    {
        using GoogLeNet source = Network(Small with { AuxiliaryClassifiers = false }, seed: 1);
        using GoogLeNet target = Network(Small, seed: 2);
        using Tensor freshAux = target.state_dict()["aux2.fc1.weight"].clone();
        string path = Path.Combine(folder, "no-aux.safetensors");
        GoogLeNetWeights.Save(source, path);

        GoogLeNetWeightsReport report = GoogLeNetWeights.Load(target, path);

        Assert.IsTrue(report.ReinitializedTensors.Contains("aux2.fc1.weight"));
        Assert.IsTrue(Same(target.state_dict()["aux2.fc1.weight"], freshAux));
        StringAssert.Contains(string.Join(" ", report.Notes), "holds no weights for the auxiliary classifier(s) aux1 and aux2");
    }

    [TestMethod]
    public void Load_HalfPrecisionFile_ConvertsToFloat32()
    {
        using GoogLeNet source = Network(Small, seed: 1);
        using GoogLeNet target = Network(Small, seed: 2);
        string path = Path.Combine(folder, "half.safetensors");
        WeightFile.Write(path, source.state_dict().Select(kv => KeyValuePair.Create(kv.Key, StoredTensor.From(kv.Value.is_floating_point() ? kv.Value.to(ScalarType.Float16) : kv.Value))).ToList());

        GoogLeNetWeights.Load(target, path);

        Tensor loaded = target.state_dict()["conv1.conv.weight"];
        Assert.AreEqual(ScalarType.Float32, loaded.dtype);
        Assert.IsTrue(loaded.allclose(source.state_dict()["conv1.conv.weight"], rtol: 1e-3, atol: 1e-3));
    }

    [TestMethod]
    public void Load_TorchSharpsOwnTorchvisionGoogLeNet_MapsOneToOne()
    {
        // TorchSharp's torchvision port carries torchvision's state_dict names: what a converted PyTorch file holds.
        using var reference = torchvision.models.googlenet(num_classes: 1000);
        using GoogLeNet ours = Network(new GoogLeNetOptions { AuxiliaryClassifiers = false }, seed: 2);
        string path = Path.Combine(folder, "torchvision.safetensors");
        WeightFile.Write(path, reference.state_dict().Select(kv => KeyValuePair.Create(kv.Key, StoredTensor.From(kv.Value))).ToList());

        GoogLeNetWeightsReport report = GoogLeNetWeights.Load(ours, path);

        Assert.HasCount(344, report.LoadedTensors);
        Assert.IsTrue(Same(ours.state_dict()["inception4e.branch3.1.conv.weight"], reference.state_dict()["inception4e.branch3.1.conv.weight"]));
    }

    [TestMethod]
    public void Load_WeightsOfAnotherWidth_ListsTheWronglyShapedTensorsAndLeavesTheNetworkUnchanged()
    {
        using GoogLeNet source = Network(Small with { WidthMultiplier = 0.25 }, seed: 1);
        using GoogLeNet target = Network(Small, seed: 2);
        using Tensor before = target.state_dict()["conv1.conv.weight"].clone();
        string path = Path.Combine(folder, "width-0.25.safetensors");
        GoogLeNetWeights.Save(source, path);

        var e = Assert.ThrowsExactly<ArgumentException>(() => GoogLeNetWeights.Load(target, path));

        StringAssert.Contains(e.Message, $"The weights in '{path}' do not fit GoogLeNet (TorchVision variant, width 0.125, 3 input channel(s), 10 classes, auxiliary classifiers)");
        StringAssert.Contains(e.Message, "tensor(s) of another shape: conv1.conv.weight (network [8, 3, 7, 7], file [16, 3, 7, 7])");
        StringAssert.Contains(e.Message, "The file looks like the TorchVision variant at width 0.25 (its conv1 has 16 filters)");
        Assert.IsTrue(Same(target.state_dict()["conv1.conv.weight"], before));
    }

    [TestMethod]
    public void Load_WeightsOfTheOtherVariant_ListsMissingAndUnexpectedTensors()
    {
        using GoogLeNet source = Network(Small with { Variant = GoogLeNetVariant.Paper }, seed: 1);
        using GoogLeNet target = Network(Small, seed: 2);
        string path = Path.Combine(folder, "paper.dat");
        GoogLeNetWeights.Save(source, path);

        var e = Assert.ThrowsExactly<ArgumentException>(() => GoogLeNetWeights.Load(target, path));

        StringAssert.Contains(e.Message, "tensor(s) missing from the file: conv1.bn.weight, conv1.bn.bias");
        StringAssert.Contains(e.Message, "unexpected tensor(s) in the file: conv1.conv.bias, conv2.conv.bias");
        StringAssert.Contains(e.Message, "The file looks like the Paper variant at width 0.125");
    }

    [TestMethod]
    public void Load_MissingFile_NamesThePath()
    {
        using GoogLeNet target = Network(Small, seed: 2);
        string path = Path.Combine(folder, "nowhere.safetensors");

        var e = Assert.ThrowsExactly<FileNotFoundException>(() => GoogLeNetWeights.Load(target, path));

        StringAssert.Contains(e.Message, $"Could not find the weights file '{path}'");
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static GoogLeNet Network(GoogLeNetOptions options, int seed)
    {
        torch.random.manual_seed(seed);
        return new GoogLeNet(options);
    }
}

using Microsoft.ML.Inception.Tests.Estimator;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Weights that are not finite are never trained on, scored with or returned: weight files holding NaN or infinity are
/// refused when read, naming the file and the tensor, and a loss that is not finite in the first batch is not blamed
/// on the learning rate.
/// </summary>
[TestClass]
public sealed class NonFiniteWeightsTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-non-finite-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    [DataRow(".safetensors", float.NaN)]
    [DataRow(".bin", float.PositiveInfinity)]
    public void LoadAndFit_WeightFileHoldingANonFiniteValue_RefusedNamingTheFileAndTensorBeforeTraining(string extension, float value)
    {
        string path = Path.Combine(folder, $"digits-{value}{extension}");
        SaveDigitsWeights(path, "inception4b.branch3.1.conv.weight", tensor => tensor.view(-1)[5] = value);

        using var network = new GoogLeNet(DigitsNetwork);
        InvalidDataException loading = Assert.ThrowsExactly<InvalidDataException>(() => GoogLeNetWeights.Load(network, path));

        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.PretrainedWeights = path;
        bool trained = false;
        options.EpochCompleted = _ => trained = true;
        InvalidDataException fitting = Assert.ThrowsExactly<InvalidDataException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml)));

        foreach (InvalidDataException e in new[] { loading, fitting })
        {
            StringAssert.Contains(e.Message, path);
            StringAssert.Contains(e.Message, "tensor 'inception4b.branch3.1.conv.weight', element 5");
            StringAssert.Contains(e.Message, "not finite");
        }

        Assert.IsFalse(trained, "Fit must refuse the file before training.");
    }

    [TestMethod]
    public void Fit_PretrainedWeightsTooLargeToCompute_StopsInTheFirstBatchWithoutBlamingTheLearningRate()
    {
        // Finite weights whose logits overflow: the loss of the very first batch is not finite, before any update.
        string path = Path.Combine(folder, "digits-huge.safetensors");
        SaveDigitsWeights(path, "fc.weight", tensor => tensor.fill_(float.MaxValue));
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.PretrainedWeights = path;

        InvalidOperationException e = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml)));

        StringAssert.Contains(e.Message, "the loss of the first batch is");
        StringAssert.Contains(e.Message, "the learning rate is not the cause");
        Assert.DoesNotContain("Try a lower", e.Message);
    }

    [TestMethod]
    public void FirstInWeights_NaNInABatchNormStatistic_NamesThatBuffer()
    {
        using var network = new GoogLeNet(DigitsNetwork);
        Assert.IsNull(FiniteTensors.FirstInWeights(network));

        using (torch.no_grad())
        {
            network.named_buffers().Single(b => b.name == "inception3b.branch2.0.bn.running_var").buffer[1] = float.NaN;
        }

        Assert.AreEqual("inception3b.branch2.0.bn.running_var", FiniteTensors.FirstInWeights(network));
    }

    [TestMethod]
    public void FirstInGradients_InfinityInOneGradient_NamesThatParameter()
    {
        using var network = new GoogLeNet(DigitsNetwork);
        using Tensor input = torch.rand(2, 1, 32, 32);
        network.train();
        network.call(input).sum().backward();
        Assert.IsNull(FiniteTensors.FirstInGradients(network));

        using (torch.no_grad())
        {
            network.named_parameters().Single(p => p.name == "inception5a.branch4.1.conv.weight").parameter.grad![0, 0, 0, 0] = float.NegativeInfinity;
        }

        Assert.AreEqual("inception5a.branch4.1.conv.weight", FiniteTensors.FirstInGradients(network));
    }

    /// <summary>The network the digits pipeline's quick options train: grey 32x32 digits, ten classes, width 0.25.</summary>
    private static GoogLeNetOptions DigitsNetwork => new() { NumberOfClasses = 10, InputChannels = 1, WidthMultiplier = 0.25, AuxiliaryClassifiers = false };

    private static void SaveDigitsWeights(string path, string tensorName, Action<Tensor> change)
    {
        using var network = new GoogLeNet(DigitsNetwork);
        using (torch.no_grad())
        {
            change(network.state_dict()[tensorName]);
        }

        GoogLeNetWeights.Save(network, path);
    }
}

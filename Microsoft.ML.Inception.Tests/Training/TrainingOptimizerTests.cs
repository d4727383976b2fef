namespace Microsoft.ML.Inception.Tests.Training;

/// <summary>Full fine-tuning trains the backbone at a fraction of the classifiers' learning rate; head-only trains fc alone.</summary>
[TestClass]
public sealed class TrainingOptimizerTests
{
    private static readonly GoogLeNetOptions Network = new() { WidthMultiplier = 0.125, NumberOfClasses = 4 };

    [TestMethod]
    public void Full_WithBackboneFactor_ScalesTheBackboneGroupOnly()
    {
        using var network = new GoogLeNet(Network);
        var options = new InceptionOptions { PretrainedWeights = "w.safetensors", FineTuning = InceptionFineTuning.Full, BackboneLearningRateFactor = 0.1 };
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(options, network, resume: null, channel: null!);

        optimizer.SetLearningRate(0.05);

        Assert.AreEqual(2, optimizer.GroupCount);
        Assert.AreEqual(0.005, optimizer.LearningRates[0], 1e-12, "backbone");
        Assert.AreEqual(0.05, optimizer.LearningRates[1], 1e-12, "classifiers");
        Assert.AreEqual(network.parameters().Count(), optimizer.ParameterCount);
    }

    [TestMethod]
    public void FromScratch_OneGroupOverEveryParameter()
    {
        using var network = new GoogLeNet(Network);
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(new InceptionOptions(), network, resume: null, channel: null!);

        Assert.AreEqual(1, optimizer.GroupCount);
        Assert.AreEqual(network.parameters().Count(), optimizer.ParameterCount);
    }

    [TestMethod]
    public void HeadOnly_OptimisesTheClassifierFcAlone()
    {
        using var network = new GoogLeNet(Network);
        var options = new InceptionOptions { PretrainedWeights = "w.safetensors", FineTuning = InceptionFineTuning.HeadOnly };
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(options, network, resume: null, channel: null!);

        Assert.AreEqual(1, optimizer.GroupCount);
        Assert.AreEqual(2, optimizer.ParameterCount, "fc.weight and fc.bias");
    }
}

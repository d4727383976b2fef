using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Training;

[TestClass]
public sealed class BatchNormRecalibrationTests
{
    private const int Images = 24;
    private const int BatchSize = 5;

    [TestMethod]
    public void Recompute_FirstBatchNorm_HoldsTheAverageStatisticsOfItsInputsOverTheBatches()
    {
        using GoogLeNet network = TinyNetwork();
        using LabeledImages images = RandomImages();
        using Tensor mean = torch.zeros(1, 1, 1, 1);
        using Tensor std = torch.ones(1, 1, 1, 1);
        var (expectedMean, expectedVariance) = Conv1Statistics(network, images.Images);

        Recompute(network, images, mean, std);

        BatchNorm2d bn = FirstBatchNorm(network);
        Assert.IsTrue(bn.running_mean!.allclose(expectedMean, rtol: 1e-4, atol: 1e-5), "The running mean is the mean over all images.");
        Assert.IsTrue(bn.running_var!.allclose(expectedVariance, rtol: 1e-4, atol: 1e-5), "The running variance is the batch-size-weighted average of the batches' unbiased variances.");
        expectedMean.Dispose();
        expectedVariance.Dispose();
    }

    [TestMethod]
    public void Recompute_LeavesMomentumAndTrackedBatchCountsAsTheyWere()
    {
        using GoogLeNet network = TinyNetwork();
        using LabeledImages images = RandomImages();
        using Tensor mean = torch.zeros(1, 1, 1, 1);
        using Tensor std = torch.ones(1, 1, 1, 1);
        BatchNorm2d first = FirstBatchNorm(network);
        using (Tensor seven = torch.tensor(7L))
        {
            first.num_batches_tracked!.copy_(seven);
        }

        Recompute(network, images, mean, std);

        Assert.IsTrue(network.modules().OfType<BatchNorm2d>().All(n => n.momentum == 0.1), "Momentum is restored.");
        Assert.AreEqual(7L, first.num_batches_tracked!.item<long>());
    }

    private static void Recompute(GoogLeNet network, LabeledImages images, Tensor mean, Tensor std)
    {
        using IChannel channel = ((IChannelProvider)new MLContext(seed: 1)).Start("test");
        new BatchNormRecalibration(network, images, mean, std, torch.CPU, BatchSize, channel).Recompute(seed: 1);
    }

    /// <summary>What conv1's batch norm sees, computed directly: the mean of conv1's outputs over all images, and the batches' unbiased variances averaged with their sizes as weights.</summary>
    private static (Tensor Mean, Tensor Variance) Conv1Statistics(GoogLeNet network, Tensor images)
    {
        var conv = (Conv2d)network.named_modules().Single(m => m.name == "conv1.conv").module;
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Tensor outputs = conv.call(images);
        Tensor mean = outputs.mean([0, 2, 3]);
        Tensor variance = torch.zeros_like(mean);
        for (int start = 0; start < Images; start += BatchSize)
        {
            int count = Math.Min(BatchSize, Images - start);
            variance += outputs.narrow(0, start, count).var([0, 2, 3], unbiased: true) * (count / (double)Images);
        }

        return (mean.MoveToOuterDisposeScope(), variance.MoveToOuterDisposeScope());
    }

    private static BatchNorm2d FirstBatchNorm(GoogLeNet network) =>
        (BatchNorm2d)network.named_modules().Single(m => m.name == "conv1.bn").module;

    private static GoogLeNet TinyNetwork()
    {
        torch.manual_seed(1);
        return new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.25, NumberOfClasses = 10, InputChannels = 1, AuxiliaryClassifiers = false, Dropout = 0 });
    }

    private static LabeledImages RandomImages()
    {
        using var generator = new torch.Generator(3);
        return new LabeledImages(torch.randn([Images, 1, 32, 32], generator: generator), new long[Images]);
    }
}

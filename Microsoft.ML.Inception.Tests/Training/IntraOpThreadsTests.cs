using Microsoft.ML.Inception.Tests.Estimator;
using TorchSharp;

namespace Microsoft.ML.Inception.Tests.Training;

/// <summary>
/// Fit trains small networks on one intra-op thread (faster on this project's machines, quiet or busy), keeps libtorch's
/// count for large ones, honours <see cref="InceptionOptions.IntraOpThreads"/>, and gives the process its count back.
/// </summary>
[TestClass]
public sealed class IntraOpThreadsTests
{
    [TestMethod]
    public void Choose_SmallNetworkWithoutRequest_IsOneThread()
    {
        Assert.AreEqual(1, IntraOpThreads.Choose(requested: null, multiplyAddsPerImage: 5_600_000, current: 16));
    }

    [TestMethod]
    public void Choose_LargeNetworkWithoutRequest_KeepsLibTorchsCount()
    {
        Assert.AreEqual(16, IntraOpThreads.Choose(requested: null, multiplyAddsPerImage: 1_497_000_000, current: 16));
    }

    [TestMethod]
    public void Choose_Requested_IsTheRequestWhateverTheNetwork()
    {
        Assert.AreEqual(3, IntraOpThreads.Choose(requested: 3, multiplyAddsPerImage: 5_600_000, current: 16));
        Assert.AreEqual(1, IntraOpThreads.Choose(requested: 1, multiplyAddsPerImage: 1_497_000_000, current: 16));
    }

    [TestMethod]
    public void Validate_ZeroThreads_NamesTheOption()
    {
        var options = new InceptionOptions { IntraOpThreads = 0 };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(options.Validate);

        Assert.Contains("IntraOpThreads must be at least 1, got 0.", e.Message);
    }

    [TestMethod]
    public void Fit_SmallNetwork_TrainsOnOneThreadAndRestoresTheProcessCount()
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(2);
        try
        {
            var during = new List<int>();
            InceptionOptions options = DigitsPipeline.QuickOptions();
            options.BatchStarting = _ => during.Add(torch.get_num_threads());
            var ml = new MLContext(seed: 1);

            DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, 5));

            Assert.IsNotEmpty(during);
            Assert.IsTrue(during.All(t => t == 1), $"Threads while training: {string.Join(", ", during)}.");
            Assert.AreEqual(2, torch.get_num_threads(), "The process's count comes back after Fit.");
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }

    [TestMethod]
    public void Fit_ThreadsRequested_TrainsOnThemAndRestoresTheProcessCount()
    {
        int before = torch.get_num_threads();
        torch.set_num_threads(1);
        try
        {
            var during = new List<int>();
            InceptionOptions options = DigitsPipeline.QuickOptions();
            options.IntraOpThreads = 3;
            options.BatchStarting = _ => during.Add(torch.get_num_threads());
            var ml = new MLContext(seed: 1);

            DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, 5));

            Assert.IsTrue(during.Count > 0 && during.All(t => t == 3), $"Threads while training: {string.Join(", ", during)}.");
            Assert.AreEqual(1, torch.get_num_threads(), "The process's count comes back after Fit.");
        }
        finally
        {
            torch.set_num_threads(before);
        }
    }
}

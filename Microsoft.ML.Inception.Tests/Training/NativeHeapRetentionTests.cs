using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Training;

/// <summary>
/// While Fit trains, glibc keeps libtorch's large buffers in the heap instead of mapping each afresh; the settings end
/// with the last Fit and are left alone where the user tuned glibc's allocator.
/// </summary>
[TestClass]
public sealed class NativeHeapRetentionTests
{
    [TestMethod]
    public void Applicable_UserTunedGlibcMalloc_IsFalse()
    {
        Assert.IsFalse(NativeHeapRetention.Applicable(v => v == "GLIBC_TUNABLES" ? "glibc.malloc.mmap_threshold=1048576" : null));
        Assert.IsFalse(NativeHeapRetention.Applicable(v => v == "MALLOC_MMAP_MAX_" ? "0" : null));
        Assert.IsFalse(NativeHeapRetention.Applicable(v => v == "MALLOC_TRIM_THRESHOLD_" ? "0" : null));
    }

    [TestMethod]
    public void Applicable_OtherTunablesOnLinux_IsTrue()
    {
        Assert.AreEqual(OperatingSystem.IsLinux(), NativeHeapRetention.Applicable(v => v == "GLIBC_TUNABLES" ? "glibc.pthread.rseq=0" : null));
    }

    [TestMethod]
    public void Fit_OnLinuxGlibc_RetainsTheHeapOnlyWhileTraining()
    {
        if (!NativeHeapRetention.Applicable())
        {
            Assert.Inconclusive("Not Linux with glibc's default allocator settings.");
        }

        var during = new List<bool>();
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.BatchStarting = _ => during.Add(NativeHeapRetention.Retaining);
        var ml = new MLContext(seed: 1);

        DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, 5));

        Assert.IsTrue(during.Count > 0 && during.All(r => r), "glibc keeps large blocks in the heap during training.");
        Assert.IsFalse(NativeHeapRetention.Retaining, "glibc's own settings come back after Fit.");
    }
}

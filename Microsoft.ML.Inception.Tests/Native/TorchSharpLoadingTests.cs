using TorchSharp;

namespace Microsoft.ML.Inception.Tests.Native;

/// <summary>
/// TorchSharp 0.107.0's native glue needs GLIBCXX_3.4.32; the build marks that requirement weak so it
/// loads on Debian 12 / Ubuntu 22.04. These tests run in the ordinary test process, so they fail if it does not.
/// </summary>
[TestClass]
public sealed class TorchSharpLoadingTests
{
    private const string LibraryName = "libLibTorchSharp.so";

    [TestMethod]
    public void TensorOperation_InTestProcess_Runs()
    {
        using var a = torch.ones(3, 3);
        using var sum = (a + a).sum();

        Assert.AreEqual(18f, sum.item<float>());
    }

    [TestMethod]
    public void GoogLeNetForward_InTestProcess_Runs()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 10, WidthMultiplier = 0.25 });
        net.eval();
        using var input = torch.rand(2, 3, 32, 32);
        using var logits = net.call(input);

        CollectionAssert.AreEqual(new long[] { 2, 10 }, logits.shape);
    }

    [TestMethod]
    public void BuildOutput_OnOldLibStdCxx_DiffersFromPackageOnlyByWeakVersionFlag()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("libLibTorchSharp.so exists only on Linux.");
        }

        string original = Path.Combine(BuildMetadata.NuGetPackageRoot, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibraryName);
        string built = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibraryName);
        byte[] before = File.ReadAllBytes(original);
        byte[] after = File.ReadAllBytes(built);
        int[] changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();

        Assert.HasCount(before.Length, after);
        if (SystemLibStdCxxHas("GLIBCXX_3.4.32"))
        {
            Assert.IsEmpty(changed, "libstdc++ here provides GLIBCXX_3.4.32, so the library must be left as shipped.");
        }
        else
        {
            Assert.HasCount(1, changed, "Exactly one byte (the vna_flags of the GLIBCXX_3.4.32 entry) may change.");
            Assert.AreEqual(before[changed[0]] | 0x2, after[changed[0]], "The change must set VER_FLG_WEAK (0x2) and nothing else.");
        }
    }

    [TestMethod]
    public void BuildOutput_HoldsLibTorchForThisMachineOnly()
    {
        // The library references managed TorchSharp; this test project adds the CPU libtorch for the machine it builds on
        // (build/LibTorchCpu.props), so no other operating system's libtorch is restored or copied.
        string package = LibTorchRuntime.CpuPackageForThisMachine ?? throw new AssertInconclusiveException("No libtorch-cpu package is published for this machine.");
        string[] libTorchFolders = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "runtimes"), "*torch_cpu*", SearchOption.AllDirectories)
            .Select(f => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f)))!)
            .Distinct()
            .ToArray();

        CollectionAssert.AreEqual(new[] { package["libtorch-cpu-".Length..] }, libTorchFolders);
    }

    [TestMethod]
    public void BuildOutput_HoldsOneLibTorchSharpFromTheTorchSharpPackage()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Inconclusive("libLibTorchSharp.so exists only on Linux.");
        }

        // TorchSharp's native glue ships in the managed TorchSharp package, not in libtorch's: the loader patch
        // (build/Microsoft.ML.Inception.LibTorchSharp.targets) must find exactly this copy.
        string[] copies = Directory.GetFiles(AppContext.BaseDirectory, LibraryName, SearchOption.AllDirectories);

        CollectionAssert.AreEqual(new[] { Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", LibraryName) }, copies);
        Assert.IsTrue(File.Exists(Path.Combine(BuildMetadata.NuGetPackageRoot, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibraryName)));
        Assert.IsEmpty(Directory.GetFiles(Path.Combine(BuildMetadata.NuGetPackageRoot, "libtorch-cpu-linux-x64"), LibraryName, SearchOption.AllDirectories));
    }

    private static bool SystemLibStdCxxHas(string version)
    {
        string library = File.ReadLines("/proc/self/maps")
            .Where(l => l.Contains("libstdc++.so", StringComparison.Ordinal))
            .Select(l => l[l.IndexOf('/', StringComparison.Ordinal)..].Trim())
            .First();
        byte[] needle = System.Text.Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(library).AsSpan().IndexOf(needle) >= 0;
    }
}

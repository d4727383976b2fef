using System.Text.Json;
using TorchSharp;
using System.Xml.Linq;

namespace Microsoft.ML.Inception.Tests.Network;

/// <summary>
/// The library references the managed TorchSharp package only; the application adds libtorch. These tests pin what the
/// check before the first TorchSharp call finds in an application that has it (this test project) and what it tells one
/// that has not (Packaging/PackageConsumerTests runs such an application).
/// </summary>
[TestClass]
public sealed class LibTorchRuntimeTests
{
    [TestMethod]
    public void Probe_ApplicationReferencingLibTorchCpu_FindsLibTorch()
    {
        Assert.IsTrue(LibTorchRuntime.Probe(), "This test project references the libtorch-cpu package for this machine (build/LibTorchCpu.props).");
        LibTorchRuntime.EnsureAvailable();
    }

    [TestMethod]
    public void Version_IsTheVersionOfTheLibTorchPackagesReferenced()
    {
        XDocument packages = XDocument.Load(Path.Combine(BuildMetadata.RepositoryRoot, "Directory.Packages.props"));
        string[] libTorchVersions = packages.Descendants("PackageVersion")
            .Where(p => ((string?)p.Attribute("Include") ?? string.Empty).StartsWith("libtorch-", StringComparison.Ordinal))
            .Select(p => (string)p.Attribute("Version")!)
            .Distinct()
            .ToArray();

        CollectionAssert.AreEqual(new[] { LibTorchRuntime.Version }, libTorchVersions, "TorchSharp 0.107.0 is built against one libtorch version; every libtorch package must be that version.");
        Assert.AreEqual(LibTorchRuntime.Version, torch.NormalizeNuGetVersion(torch.__version__), "The version the error names must be the one TorchSharp loads.");
    }

    [TestMethod]
    public void CpuPackageForThisMachine_IsTheOneTheBuildChoseForThisMachine()
    {
        // build/LibTorchCpu.props chose the package from the SDK's runtime identifier; the check names it from the
        // running process. The test's deps.json records the build's choice.
        using JsonDocument deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.Inception.Tests.deps.json")));
        string[] referenced = deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(library => library.Name.Split('/')[0])
            .Where(name => name.StartsWith("libtorch-cpu-", StringComparison.Ordinal))
            .ToArray();

        CollectionAssert.AreEqual(new[] { LibTorchRuntime.CpuPackageForThisMachine }, referenced);
    }

    [TestMethod]
    public void MissingMessage_NamesThePackageToAddWithItsVersionAndTheOtherChoices()
    {
        string message = LibTorchRuntime.MissingMessage("libtorch-cpu-linux-x64", "2.10.0");

        StringAssert.StartsWith(message, "Microsoft.ML.Inception needs libtorch 2.10.0, the native library TorchSharp runs on, and this application has none.");
        StringAssert.Contains(message, "<PackageReference Include=\"libtorch-cpu-linux-x64\" Version=\"2.10.0\" />");
        foreach (string package in new[] { "libtorch-cpu-win-x64", "libtorch-cpu-win-arm64", "libtorch-cpu-osx-arm64", "libtorch-cuda-12.8-linux-x64", "libtorch-cuda-12.8-win-x64" })
        {
            StringAssert.Contains(message, package);
        }

        StringAssert.Contains(message, "Device = \"cuda\"");
    }

    [TestMethod]
    public void MissingMessage_MachineWithoutPackage_SaysSoAndHowToLoadOneItself()
    {
        string message = LibTorchRuntime.MissingMessage(package: null, "2.10.0");

        StringAssert.Contains(message, "No libtorch package is published for");
        StringAssert.Contains(message, "NativeLibrary.Load");
        Assert.DoesNotContain("<PackageReference", message);
    }
}

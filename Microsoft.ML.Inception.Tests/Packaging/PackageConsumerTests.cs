using System.Globalization;

namespace Microsoft.ML.Inception.Tests.Packaging;

/// <summary>
/// Packs the library, then builds and runs separate console projects that reference only the package, as a user's
/// application does: the library brings managed TorchSharp, the application adds the libtorch for its machine. With it,
/// dependencies restore, only that machine's libtorch is copied, and TorchSharp loads through the package's
/// buildTransitive targets alone (the projects live outside this repository, so Directory.Build.targets does not reach
/// them). Without it, the first use of the library fails with one error naming the package to add.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Packs the library and builds and runs consumer projects in child processes.
public sealed class PackageConsumerTests
{
    private const string Program = """
        using Microsoft.ML.Inception;
        using TorchSharp;
        using var net = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 5, WidthMultiplier = 0.25 });
        net.eval();
        using var logits = net.call(torch.rand(2, 3, 32, 32));
        Console.WriteLine($"logits {logits.shape[0]}x{logits.shape[1]}");
        """;

    private static string version = null!;
    private static string work = null!;
    private static string feed = null!;

    [ClassInitialize]
    public static void Pack(TestContext context)
    {
        version = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        work = Directory.CreateTempSubdirectory("inception-consumer-").FullName;
        feed = Path.Combine(work, "feed");
        string library = Path.Combine(BuildMetadata.RepositoryRoot, "Microsoft.ML.Inception", "Microsoft.ML.Inception.csproj");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "pack", library, "-c", "Release", "-o", feed, $"-p:Version={version}");
        Assert.IsTrue(File.Exists(Path.Combine(feed, $"Microsoft.ML.Inception.{version}.nupkg")));
    }

    [ClassCleanup]
    public static void Delete()
    {
        Directory.Delete(work, recursive: true);
        string cached = Path.Combine(BuildMetadata.NuGetPackageRoot, "microsoft.ml.inception", version);
        if (Directory.Exists(cached))
        {
            Directory.Delete(cached, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Package_ConsumerWithLibTorchForItsMachine_RestoresBuildsAndRunsGoogLeNet()
    {
        string package = LibTorchRuntime.CpuPackageForThisMachine ?? throw new AssertInconclusiveException("No libtorch-cpu package is published for this machine.");
        string consumer = CreateConsumer("with-libtorch", $"""<PackageReference Include="{package}" Version="{LibTorchRuntime.Version}" />""");

        DotnetCli.Run(consumer, "build", "-c", "Release");
        string output = DotnetCli.Run(consumer, "run", "-c", "Release", "--no-build");

        StringAssert.Contains(output, "logits 2x5");
        string[] libTorchFolders = Directory.GetFiles(Path.Combine(consumer, "bin"), "*torch_cpu*", SearchOption.AllDirectories)
            .Select(f => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f)))!)
            .Distinct()
            .ToArray();
        CollectionAssert.AreEqual(new[] { package["libtorch-cpu-".Length..] }, libTorchFolders, "Only this machine's libtorch belongs in the output.");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Package_ConsumerWithoutLibTorch_FirstUseFailsWithTheErrorNamingThePackage()
    {
        string consumer = CreateConsumer("without-libtorch", string.Empty);

        DotnetCli.Run(consumer, "build", "-c", "Release");
        ProcessResult run = DotnetCli.Execute(consumer, ["run", "-c", "Release", "--no-build"]);

        Assert.AreNotEqual(0, run.ExitCode, run.Output);
        StringAssert.Contains(run.Error, "System.InvalidOperationException: " + LibTorchRuntime.MissingMessage(LibTorchRuntime.CpuPackageForThisMachine, LibTorchRuntime.Version));
        Assert.DoesNotContain("This application or script uses TorchSharp", run.Output + run.Error, "TorchSharp's own load trace must not be printed.");
        Assert.IsEmpty(Directory.GetDirectories(Path.Combine(consumer, "bin"), "cpu", SearchOption.AllDirectories), "TorchSharp must not have copied libtorch out of the NuGet cache.");
    }

    private static string CreateConsumer(string name, string libTorchReference)
    {
        string consumer = Path.Combine(work, name);
        Directory.CreateDirectory(consumer);
        File.WriteAllText(Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RestoreAdditionalProjectSources>{feed}</RestoreAdditionalProjectSources>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Microsoft.ML.Inception" Version="{version}" />
                {libTorchReference}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), Program);
        return consumer;
    }
}

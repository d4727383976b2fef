using System.Globalization;

namespace Microsoft.ML.Inception.Tests.Packaging;

/// <summary>
/// Packs the library, then builds and runs a separate console project that references only the package:
/// its dependencies restore, and TorchSharp loads through the package's buildTransitive targets alone
/// (the project lives outside this repository, so Directory.Build.targets does not reach it).
/// </summary>
[TestClass]
[TestCategory("Slow")] // Packs the library and builds and runs a consumer project in child processes.
public sealed class PackageConsumerTests
{
    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Package_ConsumerProject_RestoresBuildsAndRunsGoogLeNet()
    {
        string version = "0.0.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", CultureInfo.InvariantCulture);
        string work = Directory.CreateTempSubdirectory("inception-consumer-").FullName;
        string feed = Path.Combine(work, "feed");
        string consumer = Path.Combine(work, "consumer");
        try
        {
            string library = Path.Combine(BuildMetadata.RepositoryRoot, "Microsoft.ML.Inception", "Microsoft.ML.Inception.csproj");
            DotnetCli.Run(BuildMetadata.RepositoryRoot, "pack", library, "-c", "Release", "-o", feed, $"-p:Version={version}");
            Assert.IsTrue(File.Exists(Path.Combine(feed, $"Microsoft.ML.Inception.{version}.nupkg")));

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
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(consumer, "Program.cs"), """
                using Microsoft.ML.Inception;
                using TorchSharp;
                using var net = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 5, WidthMultiplier = 0.25 });
                net.eval();
                using var logits = net.call(torch.rand(2, 3, 32, 32));
                Console.WriteLine($"logits {logits.shape[0]}x{logits.shape[1]}");
                """);

            DotnetCli.Run(consumer, "build", "-c", "Release");
            string output = DotnetCli.Run(consumer, "run", "-c", "Release", "--no-build");

            StringAssert.Contains(output, "logits 2x5");
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            string cached = Path.Combine(BuildMetadata.NuGetPackageRoot, "microsoft.ml.inception", version);
            if (Directory.Exists(cached))
            {
                Directory.Delete(cached, recursive: true);
            }
        }
    }
}

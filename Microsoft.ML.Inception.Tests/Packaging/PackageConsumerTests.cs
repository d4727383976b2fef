using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Tests.Packaging;

/// <summary>
/// Packs the library, then builds and runs separate console projects that reference only the package, as a user's
/// application does: the library brings managed TorchSharp, the application adds the libtorch for its machine. With it,
/// dependencies restore, only that machine's libtorch is copied, and TorchSharp loads through the package's
/// buildTransitive targets alone (the projects live outside this repository, so Directory.Build.targets does not reach
/// them). Without it, the first use of the library fails with one error naming the package to add. The README's
/// "Use it in your project" program is compiled from the README itself and run against the package, and its serving
/// half runs again in a project without TorchSharp.
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

    /// <summary>What a serving application references: ML.NET's packages and ONNX Runtime, as the README lists them.</summary>
    private const string ServingReferences = """
        <PackageReference Include="Microsoft.ML" Version="6.0.0" />
        <PackageReference Include="Microsoft.ML.ImageAnalytics" Version="6.0.0" />
        <PackageReference Include="Microsoft.ML.OnnxTransformer" Version="6.0.0" />
        <PackageReference Include="Microsoft.ML.OnnxRuntime" Version="1.32.0" />
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

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Readme_UseItInYourProjectProgram_TrainsSavesAndScoresUnlabelledImagesWithClassNames()
    {
        string package = LibTorchRuntime.CpuPackageForThisMachine ?? throw new AssertInconclusiveException("No libtorch-cpu package is published for this machine.");
        string program = ReadmeProgram();
        string consumer = CreateConsumer("readme", $"""<PackageReference Include="{package}" Version="{LibTorchRuntime.Version}" />""", program);
        string[] classes = WriteDigitFolder(Path.Combine(consumer, "photos"), Path.Combine(consumer, "new.png"));

        // Relative paths, as a user types them.
        DotnetCli.Run(consumer, "build", "-c", "Release");
        string output = DotnetCli.Run(consumer, "run", "-c", "Release", "--no-build", "--", "photos", "new.png");

        Match accuracy = Regex.Match(output, @"Test accuracy (\d+(\.\d+)?)", RegexOptions.CultureInvariant);
        Assert.IsTrue(accuracy.Success, output);
        Assert.IsTrue(File.Exists(Path.Combine(consumer, "model.zip")), output);
        string predicted = output.Trim().Split('\n')[^1];
        Assert.IsTrue(classes.Any(c => predicted.StartsWith(c + " (", StringComparison.Ordinal)), $"The last line must name a class of the folder: {predicted}");

        // The serving half alone, where TorchSharp and the library are not referenced: loads the zip, disposes a
        // PredictionEngine and scores again.
        string servingProgram = "using Microsoft.ML;\nusing Microsoft.ML.Data;\n"
            + "var ml = new MLContext();\nstring newPhoto = Path.GetFullPath(args[0]);\n"
            + ServingHalf(program)
            + "engine.Dispose();\n"
            + "using var again = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(loaded, new PredictionEngineOptions { OwnsTransformer = false });\n"
            + "Console.WriteLine($\"again {again.Predict(new ImageInput { ImagePath = newPhoto }).PredictedLabel}\");\n"
            + RowClasses(program);
        string serving = CreateConsumer("readme-serving", string.Empty, servingProgram, servingOnly: true);
        File.Copy(Path.Combine(consumer, "model.zip"), Path.Combine(serving, "model.zip"));
        DotnetCli.Run(serving, "build", "-c", "Release");
        string served = DotnetCli.Run(serving, "run", "-c", "Release", "--no-build", "--", Path.Combine(consumer, "new.png"));

        Assert.IsEmpty(Directory.GetFiles(Path.Combine(serving, "bin"), "TorchSharp.dll", SearchOption.AllDirectories), "Serving must not need TorchSharp.");
        string[] lines = served.Trim().Split('\n');
        Assert.AreEqual(predicted, lines[^2].Trim(), "The loaded model must score as the trained one did.");
        Assert.AreEqual("again " + predicted[..predicted.IndexOf(" (", StringComparison.Ordinal)], lines[^1].Trim(), "A disposed PredictionEngine must leave the model scoring.");
    }

    /// <summary>The C# block of the README's "Use it in your project" section.</summary>
    private static string ReadmeProgram()
    {
        string readme = File.ReadAllText(Path.Combine(BuildMetadata.RepositoryRoot, "README.md"));
        string section = readme[readme.IndexOf("## Use it in your project", StringComparison.Ordinal)..];
        Match block = Regex.Match(section, "```csharp\n(.*?)```", RegexOptions.Singleline);
        Assert.IsTrue(block.Success, "The README's 'Use it in your project' section has no C# program.");
        return block.Groups[1].Value;
    }

    /// <summary>The README program's lines from "// Anywhere else" up to its row classes: what a serving application runs.</summary>
    private static string ServingHalf(string program)
    {
        int start = program.IndexOf("// Anywhere else", StringComparison.Ordinal);
        int end = program.IndexOf("public sealed class", StringComparison.Ordinal);
        Assert.IsTrue(start >= 0 && end > start, "The README program must keep its serving half after '// Anywhere else', before its row classes.");
        return program[start..end];
    }

    private static string RowClasses(string program) => program[program.IndexOf("public sealed class", StringComparison.Ordinal)..];

    /// <summary>Three digit classes of 16 PNG images each in folders named after them, and one more image outside.</summary>
    private static string[] WriteDigitFolder(string folder, string newImage)
    {
        IReadOnlyList<OpenCvDigits.Digit> digits = OpenCvDigits.Load(OpenCvDigits.FindSheet(BuildMetadata.RepositoryRoot));
        var written = OpenCvDigits.WriteImageFolder(digits.Where(d => d.Label < 3 && d.IndexInClass < 16), folder);
        string other = Path.Combine(folder, "..", "new-digit");
        var extra = OpenCvDigits.WriteImageFolder(digits.Where(d => d.Label == 1 && d.IndexInClass == 100), other);
        File.Move(Path.Combine(other, extra[0].Path), newImage);
        Directory.Delete(other, recursive: true);
        return written.Select(w => w.Label).Distinct().ToArray();
    }

    private static string CreateConsumer(string name, string libTorchReference, string program = Program, bool servingOnly = false)
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
                {(servingOnly ? ServingReferences : $"<PackageReference Include=\"Microsoft.ML.Inception\" Version=\"{version}\" />")}
                {libTorchReference}
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(consumer, "Program.cs"), program);
        return consumer;
    }
}

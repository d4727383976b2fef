using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.Inception.Samples.Comparison;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>examples/Comparison's command line (<see cref="ComparisonOptions"/>), parsed in this process.</summary>
[TestClass]
public sealed class ComparisonOptionsTests
{
    private static readonly string[] RouteKeys = ["resnet18", "lightgbm", "inception"];

    [TestMethod]
    public void TryParse_NoArguments_RunsEveryRouteOnTheDefaultSubset()
    {
        var run = Run();

        Assert.AreEqual(ComparisonOptions.DefaultTrain, run.Options!.Train);
        Assert.AreEqual(ComparisonOptions.DefaultTest, run.Options.Test);
        Assert.AreEqual(ComparisonOptions.DefaultEpochs, run.Options.Epochs);
        CollectionAssert.AreEqual(RouteKeys, run.Options.Routes.ToArray());
        Assert.IsFalse(run.Options.WriteBenchmarks);
    }

    [TestMethod]
    public void TryParse_EveryOption_ReadsItsValue()
    {
        var run = Run("--train", "200", "--test", "50", "--epochs", "1", "--only", "inception, lightgbm,inception", "--write-benchmarks");

        Assert.AreEqual(200, run.Options!.Train);
        Assert.AreEqual(50, run.Options.Test);
        Assert.AreEqual(1, run.Options.Epochs);
        CollectionAssert.AreEqual(new[] { "lightgbm", "inception" }, run.Options.Routes.ToArray(), "Each route once, in the order the routes run.");
        Assert.IsTrue(run.Options.WriteBenchmarks);
    }

    [TestMethod]
    public void TryParse_Help_ListsEveryOptionWithItsDefault()
    {
        var run = Run("--help");

        Assert.AreEqual(0, run.ExitCode);
        StringAssert.EndsWith(run.HelpLine("--train"), $"[default: {ComparisonOptions.DefaultTrain}]");
        StringAssert.EndsWith(run.HelpLine("--test"), $"[default: {ComparisonOptions.DefaultTest}]");
        StringAssert.EndsWith(run.HelpLine("--epochs"), $"[default: {ComparisonOptions.DefaultEpochs}]");
        StringAssert.EndsWith(run.HelpLine("--only"), "[default: resnet18,lightgbm,inception]");
        StringAssert.Contains(run.HelpLine("--write-benchmarks"), "BENCHMARKS.md");
    }

    [TestMethod]
    [DataRow("--only resnet", "--only takes route keys among resnet18, lightgbm, inception, got 'resnet'.")]
    [DataRow("--only ,", "--only takes route keys among resnet18, lightgbm, inception, got ','.")]
    [DataRow("--train 0", "--train must be an integer of at least 1, got '0'.")]
    [DataRow("--write-benchmark", "'--write-benchmark'")]
    public void TryParse_BadCommandLine_OneErrorLineNamingTheOption(string arguments, string expected) =>
        Run(arguments.Split(' ')).AssertOneLineError(expected);

    private static ParsedCommandLine<ComparisonOptions> Run(params string[] args) =>
        ParsedCommandLine<ComparisonOptions>.Run(
            (IReadOnlyList<string> a, [NotNullWhen(true)] out ComparisonOptions? options, out int exitCode, TextWriter? output, TextWriter? error) =>
                ComparisonOptions.TryParse(a, RouteKeys, out options, out exitCode, output, error),
            args);
}

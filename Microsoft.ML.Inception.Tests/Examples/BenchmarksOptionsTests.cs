using Microsoft.ML.Inception.Benchmarks;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>examples/Benchmarks' command line (<see cref="BenchmarksOptions"/>), parsed in this process.</summary>
[TestClass]
public sealed class BenchmarksOptionsTests
{
    private static readonly CommandLineParser<BenchmarksOptions> Parser = BenchmarksOptions.TryParse;

    [TestMethod]
    public void TryParse_NoSectionFlag_MeasuresTheNetworkSection()
    {
        var run = ParsedCommandLine<BenchmarksOptions>.Run(Parser);

        CollectionAssert.AreEqual(new[] { "network" }, run.Options!.Sections.ToArray());
        Assert.AreEqual(Environment.ProcessorCount, run.Options.Threads);
        Assert.IsNull(run.Options.Output, "null: BENCHMARKS.md at the repository root.");
        Assert.AreEqual(FashionMnistIdx.SystemDirectory, run.Options.Data);
    }

    [TestMethod]
    public void TryParse_All_EverySectionMemoryFirst()
    {
        var run = ParsedCommandLine<BenchmarksOptions>.Run(Parser, "--all", "--network");

        CollectionAssert.AreEqual(BenchmarksOptions.AllSections.Select(s => s.Name).ToArray(), run.Options!.Sections.ToArray());
        Assert.HasCount(15, run.Options.Sections);
        Assert.AreEqual("memory", run.Options.Sections[0]);
    }

    [TestMethod]
    public void TryParse_SectionFlags_ThoseSectionsInRunOrder()
    {
        var run = ParsedCommandLine<BenchmarksOptions>.Run(Parser, "--estimator", "--convolutions", "--ensembles");

        CollectionAssert.AreEqual(new[] { "convolutions", "estimator", "ensembles" }, run.Options!.Sections.ToArray());
    }

    [TestMethod]
    public void TryParse_Quick_SmallerDefaultsUnlessGiven()
    {
        BenchmarksOptions full = ParsedCommandLine<BenchmarksOptions>.Run(Parser).Options!;
        BenchmarksOptions quick = ParsedCommandLine<BenchmarksOptions>.Run(Parser, "--quick").Options!;
        BenchmarksOptions given = ParsedCommandLine<BenchmarksOptions>.Run(Parser, "--quick", "--train", "500", "--accuracy-epochs", "2", "--ensemble-epochs", "2", "--crops144-images", "300", "--transfer-images", "700").Options!;

        Assert.AreEqual((false, 60_000, FashionMnistSettings.Epochs, 3, 2_000, 10_000), (full.Quick, full.EstimatorTrain, full.AccuracyEpochs, full.EnsembleEpochs, full.Crops144Images, full.TransferImages));
        Assert.AreEqual((true, 2_000, 1, 1, 100, 500), (quick.Quick, quick.EstimatorTrain, quick.AccuracyEpochs, quick.EnsembleEpochs, quick.Crops144Images, quick.TransferImages));
        Assert.AreEqual((true, 500, 2, 2, 300, 700), (given.Quick, given.EstimatorTrain, given.AccuracyEpochs, given.EnsembleEpochs, given.Crops144Images, given.TransferImages));
    }

    [TestMethod]
    public void TryParse_SharedOptions_ReadTheirValues()
    {
        var run = ParsedCommandLine<BenchmarksOptions>.Run(Parser, "--threads", "1", "--output", "report.md", "--data", "examples/data/fashion-mnist", "--epochs", "3", "--width", "0.5");

        Assert.AreEqual((1, "report.md", "examples/data/fashion-mnist", 3, 0.5), (run.Options!.Threads, run.Options.Output, run.Options.Data, run.Options.EstimatorEpochs, run.Options.EstimatorWidth));
    }

    [TestMethod]
    public void TryParse_Help_ListsEverySectionAndOption()
    {
        var run = ParsedCommandLine<BenchmarksOptions>.Run(Parser, "--help");

        Assert.AreEqual(0, run.ExitCode);
        foreach ((string name, string description) in BenchmarksOptions.AllSections)
        {
            StringAssert.Contains(run.HelpLine($"--{name}"), description);
        }

        foreach (string option in new[] { "--all", "--quick", "--threads", "--output", "--data", "--train", "--epochs", "--width", "--accuracy-epochs", "--ensemble-epochs", "--crops144-images", "--transfer-images" })
        {
            Assert.IsNotNull(run.HelpLine(option), $"No help line for {option}:\n{run.Output}");
        }

        StringAssert.EndsWith(run.HelpLine("--data"), $"[default: {FashionMnistIdx.SystemDirectory}]");
        StringAssert.EndsWith(run.HelpLine("--train"), "[default: 60000, 2000 with --quick].");
    }

    [TestMethod]
    [DataRow("--netwrok", "'--netwrok'")]   // ignored before System.CommandLine: measured the network section
    [DataRow("--threads two", "--threads must be an integer of at least 1, got 'two'.")]   // was an unhandled FormatException
    [DataRow("--train 0", "--train must be an integer of at least 1, got '0'.")]   // was skipped after the other sections ran
    [DataRow("--transfer-images -5", "--transfer-images must be an integer of at least 1, got '-5'.")]
    [DataRow("--width 0", "--width must be a positive number, got '0'.")]
    public void TryParse_BadCommandLine_OneErrorLineNamingTheOption(string arguments, string expected) =>
        ParsedCommandLine<BenchmarksOptions>.Run(Parser, arguments.Split(' ')).AssertOneLineError(expected);
}

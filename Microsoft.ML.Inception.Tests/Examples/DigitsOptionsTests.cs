using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>examples/Digits' command line (<see cref="DigitsOptions"/>), parsed in this process.</summary>
[TestClass]
public sealed class DigitsOptionsTests
{
    private static readonly CommandLineParser<DigitsOptions> Parser = DigitsOptions.TryParse;

    [TestMethod]
    public void TryParse_NoArguments_TakesTheDefaults()
    {
        var run = ParsedCommandLine<DigitsOptions>.Run(Parser);

        Assert.AreEqual(new DigitsOptions(Epochs: 3, Width: 0.25, ImageSize: 32, BatchSize: 64), run.Options);
    }

    [TestMethod]
    public void TryParse_EveryOption_ReadsItsValue()
    {
        var run = ParsedCommandLine<DigitsOptions>.Run(Parser, "--epochs", "1", "--width", "0.125", "--size", "48", "--batch", "32");

        Assert.AreEqual(new DigitsOptions(Epochs: 1, Width: 0.125, ImageSize: 48, BatchSize: 32), run.Options);
    }

    [TestMethod]
    public void TryParse_Help_ListsEveryOptionWithItsDefault()
    {
        var run = ParsedCommandLine<DigitsOptions>.Run(Parser, "-h");

        Assert.AreEqual(0, run.ExitCode);
        StringAssert.EndsWith(run.HelpLine("--epochs"), "[default: 3]");
        StringAssert.EndsWith(run.HelpLine("--width"), "[default: 0.25]");
        StringAssert.EndsWith(run.HelpLine("--size"), "[default: 32]");
        StringAssert.EndsWith(run.HelpLine("--batch"), "[default: 64]");
    }

    [TestMethod]
    [DataRow("--epoch 1", "'--epoch'")]   // ignored before System.CommandLine: trained 3 epochs
    [DataRow("--epochs one", "--epochs must be an integer of at least 1, got 'one'.")]   // was an unhandled FormatException
    [DataRow("--size 28", "--size must be an integer of at least 32, got '28'.")]   // was GoogLeNet's error after the images were written
    public void TryParse_BadCommandLine_OneErrorLineNamingTheOption(string arguments, string expected) =>
        ParsedCommandLine<DigitsOptions>.Run(Parser, arguments.Split(' ')).AssertOneLineError(expected);
}

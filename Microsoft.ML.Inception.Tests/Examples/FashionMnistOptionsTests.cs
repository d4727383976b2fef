using System.Globalization;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Samples.FashionMnist;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>examples/FashionMnist's command line (<see cref="FashionMnistOptions"/>), parsed in this process.</summary>
[TestClass]
public sealed class FashionMnistOptionsTests
{
    private static readonly CommandLineParser<FashionMnistOptions> Parser = FashionMnistOptions.TryParse;

    [TestMethod]
    public void TryParse_NoArguments_TakesTheExampleSettings()
    {
        var run = ParsedCommandLine<FashionMnistOptions>.Run(Parser);

        var expected = new FashionMnistOptions(
            FashionMnistSettings.Epochs, FashionMnistSettings.BatchSize, FashionMnistSettings.ImageSize, FashionMnistSettings.Width, FashionMnistSettings.LearningRate, "fashion-mnist-output", null);
        Assert.AreEqual(expected, run.Options);
        Assert.AreEqual(string.Empty, run.Output + run.Error);
    }

    [TestMethod]
    public void TryParse_EveryOption_ReadsItsValue()
    {
        var run = ParsedCommandLine<FashionMnistOptions>.Run(Parser, "--epochs", "2", "--width", "0.5", "--batch", "16", "--size", "64", "--lr", "0.05", "--output", "out", "--data", "photos");

        Assert.AreEqual(new FashionMnistOptions(2, 16, 64, 0.5, 0.05, "out", "photos"), run.Options);
    }

    [TestMethod]
    public void TryParse_CultureWithDecimalComma_ReadsNumbersWithAPoint()
    {
        var decimalComma = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        decimalComma.NumberFormat.NumberDecimalSeparator = ",";
        decimalComma.NumberFormat.NumberGroupSeparator = ".";
        CultureInfo before = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = decimalComma;
        try
        {
            var run = ParsedCommandLine<FashionMnistOptions>.Run(Parser, "--width", "0.5", "--lr", "0.05");
            var help = ParsedCommandLine<FashionMnistOptions>.Run(Parser, "--help");

            Assert.IsNotNull(run.Options, run.Error);
            Assert.AreEqual(0.5, run.Options.Width);
            Assert.AreEqual(0.05, run.Options.LearningRate);
            StringAssert.EndsWith(help.HelpLine("--width"), "[default: 0.25]", "The help shows defaults as the parser reads them.");
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
        }
    }

    [TestMethod]
    public void TryParse_Help_ListsEveryOptionWithItsDefaultAndStops()
    {
        var run = ParsedCommandLine<FashionMnistOptions>.Run(Parser, "--help");

        Assert.IsNull(run.Options);
        Assert.AreEqual(0, run.ExitCode);
        Assert.AreEqual(string.Empty, run.Error);
        StringAssert.EndsWith(run.HelpLine("--epochs"), $"[default: {FashionMnistSettings.Epochs}]");
        StringAssert.EndsWith(run.HelpLine("--width"), "[default: 0.25]");
        StringAssert.EndsWith(run.HelpLine("--batch"), $"[default: {FashionMnistSettings.BatchSize}]");
        StringAssert.EndsWith(run.HelpLine("--size"), $"[default: {FashionMnistSettings.ImageSize}]");
        StringAssert.EndsWith(run.HelpLine("--lr"), "[default: 0.1]");
        StringAssert.EndsWith(run.HelpLine("--output"), "[default: fashion-mnist-output]");
        StringAssert.Contains(run.HelpLine("--data"), "folder-per-class");
    }

    [TestMethod]
    [DataRow("--epoch 3", "Unrecognized command or argument '--epoch'.")]
    [DataRow("--epochs 0", "--epochs must be an integer of at least 1, got '0'.")]
    [DataRow("--epochs 2.5", "--epochs must be an integer of at least 1, got '2.5'.")]
    [DataRow("--batch 0", "--batch must be an integer of at least 1, got '0'.")]
    [DataRow("--size 31", "--size must be an integer of at least 32, got '31'.")]
    [DataRow("--width 0", "--width must be a positive number, got '0'.")]
    [DataRow("--width 0,25", "--width must be a positive number, got '0,25'.")]
    [DataRow("--lr NaN", "--lr must be a positive number, got 'NaN'.")]
    [DataRow("--lr -0.1", "--lr must be a positive number, got '-0.1'.")]
    [DataRow("--output", "Required argument missing for option: '--output'.")]
    [DataRow("--epochs --width 0.5", "--epochs must be an integer of at least 1, got '--width'.")]
    [DataRow("--epochs 1 2", "Unrecognized command or argument '2'.")]
    public void TryParse_BadCommandLine_OneErrorLineNamingTheOption(string arguments, string expected)
    {
        var run = ParsedCommandLine<FashionMnistOptions>.Run(Parser, arguments.Split(' '));

        run.AssertOneLineError(expected);
    }
}

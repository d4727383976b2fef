using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>
/// The Fashion-MNIST example's command line, run as a user runs it (a child process of the built example): <c>--help</c>
/// and command lines that do not parse. None of them reads data or trains, so each run takes about a second.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Builds examples/FashionMnist and runs it in child processes.
public sealed class FashionMnistCommandLineTests
{
    private const string OutputFolderName = "fashion-mnist-output";
    private static string folder = null!;
    private static string program = null!;

    /// <summary>Builds the example once; every run starts in an empty folder of its own.</summary>
    [ClassInitialize]
    public static void Build(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-command-line-").FullName;
        string project = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "FashionMnist");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "build", project, "-c", "Release");
        program = Path.Combine(project, "bin", "Release", "net10.0", "FashionMnist.dll");
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Help_ListsEveryOptionWithItsDescriptionAndDefault()
    {
        ProcessResult run = RunExample("--help");

        Assert.AreEqual(0, run.ExitCode, run.Error);
        Assert.AreEqual(string.Empty, run.Error);
        string[] lines = Lines(run.Output);
        foreach ((string option, string defaultValue) in new[] { ("--epochs", "7"), ("--width", "0.25"), ("--batch", "128"), ("--size", "56"), ("--lr", "0.1"), ("--output", OutputFolderName) })
        {
            string? line = lines.SingleOrDefault(l => l.StartsWith(option + " ", StringComparison.Ordinal));
            Assert.IsNotNull(line, $"No line for {option} in:\n{run.Output}");

            // "--epochs <N>  Training epochs. [default: 7]": the option, its value, a description, the default.
            StringAssert.Matches(line, new Regex($@"^{Regex.Escape(option)} <[A-Z]+> +[^ \[][^\[]+ \[default: {Regex.Escape(defaultValue)}\]$"));
        }

        string? data = lines.SingleOrDefault(l => l.StartsWith("--data ", StringComparison.Ordinal));
        Assert.IsNotNull(data, $"No line for --data in:\n{run.Output}");
        StringAssert.Contains(data, "folder-per-class");
        Assert.IsFalse(Directory.Exists(Path.Combine(folder, OutputFolderName)), "--help trains nothing and writes nothing.");
    }

    [TestMethod]
    [DataRow("--epoch 3", "'--epoch'")]
    [DataRow("--epochs 0", "--epochs must be an integer of at least 1, got '0'.")]
    [DataRow("--epochs three", "--epochs must be an integer of at least 1, got 'three'.")]
    [DataRow("--size 16", "--size must be an integer of at least 32, got '16'.")]
    [DataRow("--width 0,25", "--width must be a positive number, got '0,25'.")]
    [DataRow("--lr -0.1", "--lr must be a positive number, got '-0.1'.")]
    [DataRow("--epochs --width 0.5", "--epochs")]
    [DataRow("--batch", "'--batch'")]
    public void BadCommandLine_FailsBeforeReadingDataWithOneLineNamingTheOption(string arguments, string expected)
    {
        ProcessResult run = RunExample(arguments.Split(' '));

        Assert.AreEqual(1, run.ExitCode, $"{run.Output}\n{run.Error}");
        string[] errorLines = Lines(run.Error);
        Assert.HasCount(1, errorLines, run.Error);
        StringAssert.StartsWith(errorLines[0], "error: ");
        StringAssert.Contains(errorLines[0], expected);
        Assert.AreEqual(string.Empty, run.Output, "Nothing runs: no data is read, so no 'Data:' line.");
    }

    private static ProcessResult RunExample(params string[] arguments) =>
        DotnetCli.Execute(folder, ["exec", program, .. arguments], TimeSpan.FromMinutes(2));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>
/// examples/Benchmarks, run as documented (<c>--all</c>) in its quick mode, writing to a scratch file. It reads
/// Fashion-MNIST from the repository's copy (<c>--data examples/data/fashion-mnist</c>: the full test set and 20,000
/// training images, more than quick mode uses), so that it measures every section whether or not Debian's
/// dataset-fashion-mnist package happens to be installed on the machine.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Runs examples/Benchmarks (dotnet run) in a child process: minutes.
public sealed partial class BenchmarksExampleTests
{
    private static readonly string[] Sections = ["network", "scaling", "scoring", "latency", "pipeline", "overhead", "memory", "estimator", "accuracy"];

    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void All_Quick_WritesEverySectionWithMeasuredRows()
    {
        string project = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "Benchmarks");
        string fashionMnist = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "data", "fashion-mnist");
        string directory = Path.Combine(Path.GetTempPath(), $"inception-benchmarks-test-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        string report = Path.Combine(directory, "BENCHMARKS.md");
        string repositoryReport = Path.Combine(BuildMetadata.RepositoryRoot, "BENCHMARKS.md");
        DateTime before = File.GetLastWriteTimeUtc(repositoryReport);
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", "PASSIVE");
        try
        {
            string output = DotnetCli.Run(BuildMetadata.RepositoryRoot, "run", "-c", "Release", "--project", project, "--", "--all", "--quick", "--data", fashionMnist, "--output", report);
            string text = File.ReadAllText(report);

            Assert.DoesNotContain("Skipping the", output, "Every benchmark runs on the repository's data.");
            Assert.Contains("- FP32 peak:", text, "The header describes the machine.");
            foreach (string section in Sections)
            {
                Match m = Regex.Match(text, $"<!-- {section}:start -->\n(?<content>.*?)<!-- {section}:end -->", RegexOptions.Singleline);
                Assert.IsTrue(m.Success, $"Section '{section}' missing.\n{output}");
                Assert.IsTrue(MeasuredRow().IsMatch(m.Groups["content"].Value), $"Section '{section}' has no table row with a measured number:\n{m.Groups["content"].Value}");
                Assert.DoesNotContain("NaN", m.Groups["content"].Value, $"Section '{section}' has a NaN.");
            }

            Assert.AreEqual(before, File.GetLastWriteTimeUtc(repositoryReport), "--output leaves the repository's BENCHMARKS.md alone.");
        }
        finally
        {
            Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", policy);
            Directory.Delete(directory, recursive: true);
        }
    }

    // A table row with a cell that is a number (images/s, seconds, MiB, a share), not only headings and rules.
    [GeneratedRegex(@"^\|[^\n]*\| [0-9][0-9,]*(\.[0-9]+)?( ?(%|s|ms|MiB|x))? \|[^\n]*$", RegexOptions.Multiline)]
    private static partial Regex MeasuredRow();
}

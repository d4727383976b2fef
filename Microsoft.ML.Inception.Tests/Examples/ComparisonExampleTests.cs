using System.Globalization;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>examples/Comparison, run as a user runs it, on a few hundred Fashion-MNIST images.</summary>
[TestClass]
[TestCategory("Slow")] // Runs examples/Comparison (dotnet run) in a child process.
public sealed partial class ComparisonExampleTests
{
    private const string LightGbm = "LightGbm on raw pixels";
    private const string OmpWaitPolicy = "OMP_WAIT_POLICY";
    private static readonly string[] Routes = ["ResNet18 features + LbfgsMaximumEntropy", LightGbm, "Inception (GoogLeNet, this library)"];

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Run_OnATinySubset_PrintsAnAccuracyForEveryRoute()
    {
        string project = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "Comparison");
        string output;

        // The child inherits this: OpenMP threads (LightGBM's, libtorch's) that sleep rather than spin while they wait.
        // With the default, another process competing for the two cores makes LightGBM's Fit on these 200 images take a
        // minute instead of a second. Tests run one at a time, so no other test sees the variable.
        string? policy = Environment.GetEnvironmentVariable(OmpWaitPolicy);
        Environment.SetEnvironmentVariable(OmpWaitPolicy, "PASSIVE");
        try
        {
            output = DotnetCli.Run(BuildMetadata.RepositoryRoot, "run", "-c", "Release", "--project", project, "--", "--train", "200", "--test", "50", "--epochs", "1");
        }
        finally
        {
            Environment.SetEnvironmentVariable(OmpWaitPolicy, policy);
        }

        Dictionary<string, double> accuracy = ResultLine().Matches(output)
            .ToDictionary(m => m.Groups["route"].Value, m => double.Parse(m.Groups["percent"].Value, CultureInfo.InvariantCulture) / 100);
        CollectionAssert.AreEquivalent(Routes, accuracy.Keys.ToArray(), output);
        Assert.IsTrue(accuracy.Values.All(a => a is >= 0 and <= 1), output);
        Assert.IsGreaterThan(0.1, accuracy[LightGbm], $"Chance is 10% (10 classes).\n{output}");
    }

    [GeneratedRegex(@"^(?<route>[^:\r\n]+): test accuracy (?<percent>[0-9.]+) ?% on 50 images", RegexOptions.Multiline)]
    private static partial Regex ResultLine();
}

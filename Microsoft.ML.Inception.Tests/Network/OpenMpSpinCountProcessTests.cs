using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Tests.Network;

/// <summary>
/// What libtorch's OpenMP runtime (libgomp) actually reads in a fresh process that uses the library before libtorch, as an
/// application does: examples/Benchmarks' measuring child, started with a controlled environment and with
/// <c>OMP_DISPLAY_ENV=VERBOSE</c>, which makes libgomp print its settings when libtorch loads it.
/// </summary>
[TestClass]
[TestCategory("Slow")] // Builds examples/Benchmarks and starts it once per case.
public sealed partial class OpenMpSpinCountProcessTests
{
    private static string program = null!;

    [ClassInitialize]
    public static void Build(TestContext context)
    {
        string project = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "Benchmarks");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "build", project, "-c", "Release");
        program = Path.Combine(project, "bin", "Release", "net10.0", "Benchmarks.dll");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    [DataRow(null, null, "1000", DisplayName = "nothing set: the library's spin count")]
    [DataRow("OMP_WAIT_POLICY", "PASSIVE", "0", DisplayName = "OMP_WAIT_POLICY=PASSIVE: left alone, libgomp does not spin")]
    [DataRow("GOMP_SPINCOUNT", "250000", "250000", DisplayName = "GOMP_SPINCOUNT=250000: left alone")]
    public void LibGomp_ReadsTheLibrarysDefaultOnlyWhenTheUserSetNothing(string? name, string? value, string expectedSpinCount)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "exec", program, "--openmp-child", "--threads", "1", "--quick" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Remove("GOMP_SPINCOUNT");
        start.Environment.Remove("OMP_WAIT_POLICY");
        if (name is not null)
        {
            start.Environment[name] = value;
        }

        start.Environment["OMP_DISPLAY_ENV"] = "VERBOSE";
        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.AreEqual(0, process.ExitCode, $"{output.Result}\n{error}");
        Match read = SpinCountLine().Match(error);
        Assert.IsTrue(read.Success, $"libgomp printed no GOMP_SPINCOUNT:\n{error}");
        Assert.AreEqual(expectedSpinCount, read.Groups["value"].Value, error);
        Assert.Contains("training images/s: ", output.Result, "The child trained.");
    }

    [GeneratedRegex(@"^\s*GOMP_SPINCOUNT = '(?<value>[^']*)'", RegexOptions.Multiline)]
    private static partial Regex SpinCountLine();
}

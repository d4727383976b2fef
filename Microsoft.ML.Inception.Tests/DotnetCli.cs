using System.Diagnostics;

namespace Microsoft.ML.Inception.Tests;

/// <summary>What a child process printed and how it ended.</summary>
/// <param name="ExitCode">The process's exit code.</param>
/// <param name="Output">Everything written to standard output.</param>
/// <param name="Error">Everything written to standard error.</param>
internal sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>Runs the dotnet CLI in a child process, as a user would.</summary>
internal static class DotnetCli
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Runs <c>dotnet</c> and fails the test unless it exits with 0; returns its standard output.</summary>
    public static string Run(string directory, params string[] arguments) => Run(directory, new Dictionary<string, string>(), arguments);

    /// <summary>Runs <c>dotnet</c> with <paramref name="environment"/> added to its variables and fails the test unless it exits with 0; returns its standard output.</summary>
    public static string Run(string directory, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        ProcessResult result = Execute(directory, arguments, environment: environment);
        Assert.AreEqual(0, result.ExitCode, $"dotnet {string.Join(' ', arguments)} failed:\n{result.Output}\n{result.Error}");
        return result.Output;
    }

    /// <summary>
    /// Runs <c>dotnet</c> and returns its exit code and output, whatever the exit code (for tests of failures).
    /// A process still running after <paramref name="timeout"/> (10 minutes by default) is killed and fails the test.
    /// </summary>
    public static ProcessResult Execute(string directory, string[] arguments, TimeSpan? timeout = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's own MSBuild settings must not leak into the child builds.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        foreach ((string name, string value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeout ?? DefaultTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', arguments)} did not finish within {timeout ?? DefaultTimeout}.");
        }

        process.WaitForExit();
        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }
}

using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>How a headless notebook run ended.</summary>
/// <param name="ExitCode">dotnet-repl's exit code (non-zero when a cell failed).</param>
/// <param name="Errors">One line per error output in the executed notebook: cell number, error name and message.</param>
/// <param name="Log">What dotnet-repl printed, without terminal colours.</param>
/// <param name="Duration">Wall time of the run.</param>
internal sealed record NotebookRun(int ExitCode, IReadOnlyList<string> Errors, string Log, TimeSpan Duration)
{
    /// <summary>True when dotnet-repl exited with 0 and no cell has an error output.</summary>
    public bool Succeeded => ExitCode == 0 && Errors.Count == 0;

    /// <summary>The exit code, the errors and the end of the log, for an assertion message.</summary>
    public string Describe() =>
        $"exit code {ExitCode} after {Duration.TotalSeconds:F0} s; {Errors.Count} error output(s):\n{string.Join('\n', Errors)}\n--- end of dotnet-repl's output ---\n{Log[Math.Max(0, Log.Length - 4000)..]}";
}

/// <summary>
/// Runs a .NET Interactive notebook headless, as CI and a user at a terminal do: <c>dotnet repl --run NOTEBOOK
/// --exit-after-run --output-path OUT</c> with dotnet-repl from the repository's tool manifest
/// (<c>.config/dotnet-tools.json</c>), then reads the executed notebook for error outputs. dotnet-repl runs every
/// cell even after one fails and exits with a non-zero code; both signals are reported.
/// </summary>
internal static partial class NotebookRunner
{
    /// <summary>The folder of the notebooks; dotnet-repl starts there, as VS Code starts a notebook's kernel in its folder.</summary>
    public static string NotebooksDirectory => Path.Combine(BuildMetadata.RepositoryRoot, "examples", "notebooks");

    /// <summary>Restores dotnet-repl and builds NotebookReferences, the folder the notebooks load the library from.</summary>
    public static void Prepare()
    {
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "tool", "restore");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "build", Path.Combine(NotebooksDirectory, "NotebookReferences", "NotebookReferences.csproj"));
    }

    /// <summary>Runs <paramref name="notebook"/> and writes the executed copy into <paramref name="outputDirectory"/>.</summary>
    /// <param name="notebook">The notebook, absolute or relative to <see cref="NotebooksDirectory"/>.</param>
    /// <param name="outputDirectory">Where the executed notebook goes.</param>
    /// <param name="environment">Variables to set for the kernel, for example INCEPTION_NOTEBOOK_QUICK=1.</param>
    /// <param name="timeout">A run still going after this is killed and reported as failed.</param>
    public static NotebookRun Run(string notebook, string outputDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        string input = Path.GetFullPath(notebook, NotebooksDirectory);
        Directory.CreateDirectory(outputDirectory);
        string output = Path.Combine(outputDirectory, Path.GetFileName(input));
        File.Delete(output);
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = NotebooksDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in new[] { "repl", "--run", input, "--exit-after-run", "--output-path", output })
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings must not reach a build that a notebook starts.
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_INTERACTIVE_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        var watch = Stopwatch.StartNew();
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();
        Task<string> standardError = process.StandardError.ReadToEndAsync();
        Task<string> standardOutput = process.StandardOutput.ReadToEndAsync();
        bool finished = process.WaitForExit(timeout);
        if (!finished)
        {
            process.Kill(entireProcessTree: true);
        }

        process.WaitForExit();
        string log = Ansi().Replace(standardOutput.Result + standardError.Result, string.Empty);
        var errors = new List<string>();
        if (!finished)
        {
            errors.Add($"did not finish within {timeout.TotalSeconds:F0} s");
        }
        else if (!File.Exists(output))
        {
            errors.Add($"no executed notebook was written to {output}");
        }
        else
        {
            errors.AddRange(ErrorOutputs(output));
        }

        return new NotebookRun(finished ? process.ExitCode : -1, errors, log, watch.Elapsed);
    }

    /// <summary>Every output of type "error" in an executed notebook (nbformat 4), as "cell N: name: message".</summary>
    public static IEnumerable<string> ErrorOutputs(string executedNotebook)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(executedNotebook));
        int cell = 0;
        foreach (JsonElement c in document.RootElement.GetProperty("cells").EnumerateArray())
        {
            cell++;
            if (!c.TryGetProperty("outputs", out JsonElement outputs))
            {
                continue;
            }

            foreach (JsonElement o in outputs.EnumerateArray())
            {
                if (o.GetProperty("output_type").GetString() == "error")
                {
                    string name = o.TryGetProperty("ename", out JsonElement n) ? n.GetString() ?? "" : "";
                    string message = o.TryGetProperty("evalue", out JsonElement v) ? v.GetString() ?? "" : "";
                    yield return $"cell {cell}: {name}: {message}";
                }
            }
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]")]
    private static partial Regex Ansi();
}

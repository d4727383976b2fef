using System.Diagnostics;
using System.Globalization;
using System.Reflection;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// This program started again as a child that measures one setting in a fresh process and prints one figure: what a
/// setting read at start-up (OpenMP's environment) needs, and what keeps one setting's process-wide state (glibc's
/// allocator, libtorch's thread pool) out of the next one's figure.
/// </summary>
internal static class MeasuringChild
{
    private const string ResultPrefix = "training images/s: ";

    /// <summary>Prints the child's figure where <see cref="Run"/> finds it.</summary>
    public static void Report(double imagesPerSecond) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{ResultPrefix}{imagesPerSecond:R}"));

    /// <summary>Runs this program with <paramref name="arguments"/> and the environment changes given (null: variable removed); returns its figure and standard error.</summary>
    public static (double ImagesPerSecond, string Error) Run(string what, IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        string self = Environment.ProcessPath!;
        var start = new ProcessStartInfo(self) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
        {
            // Started as "dotnet Benchmarks.dll": the child needs the assembly too.
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach ((string name, string? value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The measuring child for '{what}' exited with {process.ExitCode}:\n{output}\n{error.Result}");
        }

        string line = output.Split('\n').Single(l => l.StartsWith(ResultPrefix, StringComparison.Ordinal));
        return (double.Parse(line[ResultPrefix.Length..], CultureInfo.InvariantCulture), error.Result);
    }
}

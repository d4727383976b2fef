using System.Diagnostics.CodeAnalysis;

namespace Microsoft.ML.Inception.Tests.Examples;

/// <summary>The shape of every example's <c>TryParse</c>: the options, or an exit code after help or an error.</summary>
internal delegate bool CommandLineParser<T>(IReadOnlyList<string> args, [NotNullWhen(true)] out T? options, out int exitCode, TextWriter? output, TextWriter? error)
    where T : class;

/// <summary>What an example's command line parser returned and printed.</summary>
/// <param name="Options">The options; null when the program would stop.</param>
/// <param name="ExitCode">The exit code the program would stop with (0 when it goes on).</param>
/// <param name="Output">What it printed to standard output (the help).</param>
/// <param name="Error">What it printed to standard error.</param>
internal sealed record ParsedCommandLine<T>(T? Options, int ExitCode, string Output, string Error)
    where T : class
{
    /// <summary>Runs <paramref name="parser"/> on <paramref name="args"/>, capturing what it prints.</summary>
    public static ParsedCommandLine<T> Run(CommandLineParser<T> parser, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        bool goesOn = parser(args, out T? options, out int exitCode, output, error);
        Assert.AreEqual(goesOn, options is not null, "TryParse returns options exactly when it returns true.");
        return new ParsedCommandLine<T>(options, exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The error lines, trimmed.</summary>
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The help's line for <paramref name="option"/> ("--epochs &lt;N&gt;  Training epochs. [default: 7]"), trimmed.</summary>
    public string? HelpLine(string option) => Output
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .SingleOrDefault(l => l.StartsWith(option + " ", StringComparison.Ordinal));

    /// <summary>Asserts that the parser stopped the program with exit code 1 and one error line containing <paramref name="expected"/>.</summary>
    public void AssertOneLineError(string expected)
    {
        Assert.IsNull(Options);
        Assert.AreEqual(1, ExitCode);
        Assert.AreEqual(string.Empty, Output);
        Assert.HasCount(1, ErrorLines, Error);
        StringAssert.StartsWith(ErrorLines[0], "error: ");
        StringAssert.Contains(ErrorLines[0], expected);
    }
}

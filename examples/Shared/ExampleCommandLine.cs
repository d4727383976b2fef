using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// What the examples' command lines share, on top of System.CommandLine. Numbers are read with the invariant culture,
/// so that <c>--width 0.25</c> means a quarter on every machine, as in the README's commands (System.CommandLine's own
/// conversion uses the current culture), and are range-checked as they are parsed, so that a bad value stops the
/// program before it reads any data. <c>--help</c> lists every option with its description and default. A command
/// line that does not parse (an unknown option, a missing or bad value) prints one <c>error:</c> line on standard
/// error naming the option, and the program exits with 1, the code its other errors use.
/// </summary>
internal static class ExampleCommandLine
{
    /// <summary>An integer option of at least <paramref name="minimum"/>, <paramref name="defaultValue"/> when absent.</summary>
    public static Option<int> Integer(string name, int defaultValue, int minimum, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseInteger(result, name, minimum) ?? defaultValue,
    };

    /// <summary>
    /// An integer option of at least <paramref name="minimum"/> whose default depends on other options: null when absent,
    /// and <paramref name="description"/> says what the default is.
    /// </summary>
    public static Option<int?> OptionalInteger(string name, int minimum, string description) => new(name)
    {
        Description = description,
        HelpName = "N",
        CustomParser = result => ParseInteger(result, name, minimum),
    };

    /// <summary>A number option greater than zero, <paramref name="defaultValue"/> when absent.</summary>
    public static Option<double> PositiveNumber(string name, double defaultValue, string description) => new(name)
    {
        Description = description,
        HelpName = "X",
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParsePositiveNumber(result, name) ?? defaultValue,
    };

    /// <summary>A text option (a path, a list), <paramref name="defaultValue"/> when absent, or null without one.</summary>
    public static Option<string> Text(string name, string helpName, string description, string? defaultValue = null)
    {
        var option = new Option<string>(name) { Description = description, HelpName = helpName };
        if (defaultValue is string value)
        {
            option.DefaultValueFactory = _ => value;
        }

        return option;
    }

    /// <summary>An option that takes no value: true when given.</summary>
    public static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>
    /// Parses <paramref name="args"/> against <paramref name="command"/>. Returns true when the program should go on and
    /// read its options from <paramref name="parsed"/>; otherwise it has printed the help (exit code 0) or one error line
    /// (exit code 1) and returns false with the code in <paramref name="exitCode"/>.
    /// </summary>
    /// <param name="command">The program's options; its own action, if any, is not run.</param>
    /// <param name="args">The program's arguments.</param>
    /// <param name="parsed">The parse result, for <see cref="ParseResult.GetValue{T}(Option{T})"/>.</param>
    /// <param name="exitCode">0 after <c>--help</c> or <c>--version</c>, 1 after an error; 0 when the program goes on.</param>
    /// <param name="output">Where the help goes; standard output when null.</param>
    /// <param name="error">Where the error line goes; standard error when null.</param>
    public static bool TryParse(RootCommand command, IReadOnlyList<string> args, out ParseResult parsed, out int exitCode, TextWriter? output = null, TextWriter? error = null)
    {
        parsed = command.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            // System.CommandLine's own error action prints every error and then the whole help; the examples' other
            // errors are one line. An option's own error comes first: it explains the stray tokens after it
            // ("--epochs --width 0.5" gives --width to --epochs, and 0.5 is left over).
            ParseError first = parsed.Errors.OrderBy(e => e.SymbolResult is OptionResult ? 0 : 1).First();
            (error ?? Console.Error).WriteLine($"error: {first.Message} See --help.");
            exitCode = 1;
            return false;
        }

        if (parsed.Action is not null)
        {
            if (output is not null && parsed.Action is HelpAction help)
            {
                // The help wraps at the console's width; written elsewhere (a test's writer), one line per option.
                help.MaxWidth = int.MaxValue;
            }

            // --help or --version (the examples' commands have no action of their own). The help prints defaults with
            // ToString(), so in the invariant culture, like the values it accepts.
            CultureInfo culture = CultureInfo.CurrentCulture;
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            try
            {
                exitCode = parsed.Invoke(new InvocationConfiguration { Output = output ?? Console.Out, Error = error ?? Console.Error });
            }
            finally
            {
                CultureInfo.CurrentCulture = culture;
            }

            return false;
        }

        exitCode = 0;
        return true;
    }

    private static int? ParseInteger(ArgumentResult result, string name, int minimum)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        string text = result.Tokens[0].Value;
        if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= minimum)
        {
            return value;
        }

        result.AddError($"{name} must be an integer of at least {minimum}, got '{text}'.");
        return null;
    }

    private static double? ParsePositiveNumber(ArgumentResult result, string name)
    {
        if (result.Tokens.Count == 0)
        {
            return null;
        }

        string text = result.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value) && value > 0)
        {
            return value;
        }

        result.AddError($"{name} must be a positive number, got '{text}'.");
        return null;
    }
}

using System.Globalization;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>The command line: how many images of each split, the Inception epochs, which routes, and whether to write BENCHMARKS.md.</summary>
internal sealed record ComparisonOptions(int Train, int Test, int Epochs, IReadOnlyList<string> Routes, bool WriteBenchmarks)
{
    /// <summary>
    /// Chosen so that the three routes together take about 10-12 minutes on a quiet 2-core machine: ResNet18 needs
    /// 0.1-0.13 s of CPU per 224x224 image, so featurizing the 7,000 training and test images is most of the run.
    /// </summary>
    public const int DefaultTrain = 5_000;

    public const int DefaultTest = 2_000;

    /// <summary>The main example's default.</summary>
    public const int DefaultEpochs = FashionMnistSettings.Epochs;

    private const string WriteBenchmarksFlag = "--write-benchmarks";
    private static readonly string[] ValueOptions = ["--train", "--test", "--epochs", "--only"];

    public static string Usage { get; } =
        $"usage: Comparison [--train {DefaultTrain}] [--test {DefaultTest}] [--epochs {DefaultEpochs}] [--only resnet18,lightgbm,inception] [--write-benchmarks]\n" +
        "  --train N, --test N   the first N images of Fashion-MNIST's training and test files, the same for every route\n" +
        "  --epochs N            Inception's epochs (the other routes have none)\n" +
        "  --only KEYS           run only these routes (comma-separated)\n" +
        "  --write-benchmarks    write the table, the machine and the command into BENCHMARKS.md (section 'comparison')";

    /// <summary>Reads the arguments; a <see cref="FormatException"/> says what is wrong with them.</summary>
    public static ComparisonOptions Parse(IReadOnlyList<string> args, IReadOnlyList<string> routeKeys)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        bool writeBenchmarks = false;
        for (int i = 0; i < args.Count; i++)
        {
            if (args[i] == WriteBenchmarksFlag)
            {
                writeBenchmarks = true;
            }
            else if (ValueOptions.Contains(args[i]))
            {
                if (i + 1 >= args.Count)
                {
                    throw new FormatException($"option {args[i]} needs a value");
                }

                values[args[i]] = args[++i];
            }
            else
            {
                throw new FormatException($"unknown option '{args[i]}' (try --help)");
            }
        }

        string[] routes = values.TryGetValue("--only", out string? only)
            ? only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray()
            : routeKeys.ToArray();
        string[] unknown = routes.Where(r => !routeKeys.Contains(r)).ToArray();
        if (routes.Length == 0 || unknown.Length > 0)
        {
            throw new FormatException($"--only takes route keys among {string.Join(", ", routeKeys)}; got '{only}'");
        }

        return new ComparisonOptions(
            IntValue(values, "--train", DefaultTrain),
            IntValue(values, "--test", DefaultTest),
            IntValue(values, "--epochs", DefaultEpochs),
            routeKeys.Where(routes.Contains).ToArray(),
            writeBenchmarks);
    }

    private static int IntValue(Dictionary<string, string> values, string name, int fallback)
    {
        if (!values.TryGetValue(name, out string? text))
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) && value >= 1
            ? value
            : throw new FormatException($"{name} must be an integer of at least 1, got '{text}'");
    }
}

using System.CommandLine;
using System.Diagnostics.CodeAnalysis;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>The command line: how many images of each split, the Inception epochs, which routes, and whether to write BENCHMARKS.md.</summary>
/// <param name="Train">The first this many images of Fashion-MNIST's training file.</param>
/// <param name="Test">The first this many images of Fashion-MNIST's test file.</param>
/// <param name="Epochs">Inception's epochs.</param>
/// <param name="Routes">The keys of the routes to run, in the order of the route keys the parser was given.</param>
/// <param name="WriteBenchmarks">Whether to write the results into BENCHMARKS.md.</param>
internal sealed record ComparisonOptions(int Train, int Test, int Epochs, IReadOnlyList<string> Routes, bool WriteBenchmarks)
{
    /// <summary>
    /// Chosen so that the three routes together take about 10-12 minutes on a quiet 2-core machine: ResNet18 needs
    /// 0.1-0.13 s of CPU per 224x224 image, so featurizing the 7,000 training and test images is most of the run.
    /// </summary>
    public const int DefaultTrain = 5_000;

    /// <summary>The default of <see cref="Test"/>.</summary>
    public const int DefaultTest = 2_000;

    /// <summary>The main example's default.</summary>
    public const int DefaultEpochs = FashionMnistSettings.Epochs;

    /// <summary>
    /// Reads the command line; <paramref name="routeKeys"/> are the routes <c>--only</c> may name, in the order they run.
    /// Returns false after printing the help (exit code 0) or one error line (exit code 1).
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, IReadOnlyList<string> routeKeys, [NotNullWhen(true)] out ComparisonOptions? options, out int exitCode, TextWriter? output = null, TextWriter? error = null)
    {
        Option<int> train = ExampleCommandLine.Integer("--train", DefaultTrain, 1, "The first N images of Fashion-MNIST's training file, the same for every route.");
        Option<int> test = ExampleCommandLine.Integer("--test", DefaultTest, 1, "The first N images of Fashion-MNIST's test file, the same for every route.");
        Option<int> epochs = ExampleCommandLine.Integer("--epochs", DefaultEpochs, 1, "Inception's epochs (the other routes have none).");
        string allRoutes = string.Join(',', routeKeys);
        Option<string> only = ExampleCommandLine.Text("--only", "KEYS", $"Run only these routes, comma-separated, among {allRoutes}.", allRoutes);
        only.Validators.Add(result =>
        {
            string text = result.GetValueOrDefault<string>() ?? string.Empty;
            string[] keys = RouteKeys(text);
            if (keys.Length == 0 || keys.Any(k => !routeKeys.Contains(k)))
            {
                result.AddError($"--only takes route keys among {string.Join(", ", routeKeys)}, got '{text}'.");
            }
        });
        Option<bool> writeBenchmarks = ExampleCommandLine.Flag("--write-benchmarks", "Write the table, the machine and the command into BENCHMARKS.md (section 'comparison').");
        var command = new RootCommand("Classifies Fashion-MNIST three ways on the same images: ML.NET's ResNet18 featurizer with LbfgsMaximumEntropy, LightGbm on the raw pixels, and the Inception estimator; prints test accuracy, Fit time, scoring throughput and model size of each.")
        {
            train, test, epochs, only, writeBenchmarks,
        };

        if (!ExampleCommandLine.TryParse(command, args, out ParseResult parsed, out exitCode, output, error))
        {
            options = null;
            return false;
        }

        string[] routes = RouteKeys(parsed.GetRequiredValue(only));
        options = new ComparisonOptions(
            parsed.GetValue(train),
            parsed.GetValue(test),
            parsed.GetValue(epochs),
            routeKeys.Where(routes.Contains).ToArray(),
            parsed.GetValue(writeBenchmarks));
        return true;
    }

    private static string[] RouteKeys(string text) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
}

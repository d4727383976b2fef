using System.Globalization;
using System.Reflection;
using System.Text;
using Spectre.Console;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>The results as a console table, one line per route, and the BENCHMARKS.md section.</summary>
internal static class ComparisonReport
{
    public const string SectionName = "comparison";
    private const string Heading = "## Fashion-MNIST three ways: ResNet18 features, LightGbm, Inception";
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Columns = ["route", "test accuracy", "Fit", "scoring", "model zip", "other processes"];

    /// <summary>The line printed as soon as a route is measured; the test of this example reads it.</summary>
    public static string Line(RouteResult r) => string.Create(Invariant,
        $"{r.Route.Name}: test accuracy {r.Metrics.MicroAccuracy:P2} on {r.TestImages:N0} images, Fit {r.Fit.TotalSeconds:F1} s on {r.TrainImages:N0} images, scoring {r.ScoringImagesPerSecond:F1} images/s, model zip {Size(r.ModelBytes)}");

    public static Table ConsoleTable(IReadOnlyList<RouteResult> results)
    {
        var table = new Table().Title("Fashion-MNIST: the same images, the same machine").AddColumn(Columns[0]);
        foreach (string column in Columns.Skip(1))
        {
            table.AddColumn(new TableColumn(column).RightAligned());
        }

        foreach (RouteResult r in results)
        {
            table.AddRow(Cells(r).Select(Markup.Escape).ToArray());
        }

        return table;
    }

    /// <summary>The BENCHMARKS.md section: heading, how it was measured, the machine, the table and what each column means.</summary>
    public static string Section(IReadOnlyList<RouteResult> results, string command, string machine, string data)
    {
        var text = new StringBuilder();
        text.AppendLine(Heading).AppendLine();
        text.AppendLine(Invariant, $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `{command}` (Microsoft.ML.Inception {MachineDescription.LibraryVersion()}, ML.NET {MlNetVersion()}); every figure below is from that one run, the routes one after another in one process on:").AppendLine();
        text.AppendLine(machine);
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? spinCount = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        text.AppendLine(Invariant, $"- OpenMP (LightGBM, libtorch): {(policy is null && spinCount is null ? "neither OMP_WAIT_POLICY nor GOMP_SPINCOUNT set, so Microsoft.ML.Inception set GOMP_SPINCOUNT=1000 (idle threads spin briefly, then sleep) when it loaded" : $"OMP_WAIT_POLICY {policy ?? "not set"}, GOMP_SPINCOUNT {spinCount ?? "not set"}")}").AppendLine();
        text.AppendLine(data).AppendLine();
        text.AppendLine("| " + string.Join(" | ", Columns) + " |");
        text.AppendLine("|---" + string.Concat(Enumerable.Repeat("|---:", Columns.Length - 1)) + "|");
        foreach (RouteResult r in results)
        {
            text.AppendLine("| " + string.Join(" | ", Cells(r)) + " |");
        }

        text.AppendLine();
        foreach (RouteResult r in results)
        {
            text.AppendLine(Invariant, $"- **{r.Route.Name}**: {r.Route.Pipeline}.");
        }

        text.AppendLine();
        text.AppendLine("Test accuracy is `MulticlassClassification.Evaluate` (micro accuracy) on the test images. Fit is the wall time of building the pipeline (for ResNet18 that loads its ONNX files) and `Fit` on the training images, reading them included. Scoring is test images per second of `Evaluate(model.Transform(test))`, one pass through the fitted pipeline. Model zip is the size of `ml.Model.Save(model, ...)`. Other processes: cores that all other processes kept busy on average during the route's Fit and scoring (/proc/stat); anything above 0 slowed the route down.");
        return text.ToString();
    }

    /// <summary>The package version of Microsoft.ML ("6.0.0"), without the commit its informational version carries.</summary>
    private static string MlNetVersion() =>
        typeof(MLContext).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
            ?? typeof(MLContext).Assembly.GetName().Version?.ToString()
            ?? "unknown";

    private static string[] Cells(RouteResult r) =>
    [
        r.Route.Name,
        r.Metrics.MicroAccuracy.ToString("P2", Invariant),
        string.Create(Invariant, $"{r.Fit.TotalSeconds:F1} s"),
        string.Create(Invariant, $"{r.ScoringImagesPerSecond:F1} images/s"),
        Size(r.ModelBytes),
        r.OtherProcessCores is double cores ? cores.ToString("F2", Invariant) : "n/a",
    ];

    private static string Size(long bytes) => bytes < 1024 * 1024
        ? string.Create(Invariant, $"{bytes / 1024.0:F0} KiB")
        : string.Create(Invariant, $"{bytes / (1024.0 * 1024.0):F1} MiB");
}

using System.CommandLine;
using System.Diagnostics.CodeAnalysis;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// The benchmarks' command line: which sections of BENCHMARKS.md to measure, how (quick mode, threads), where the
/// report and the data are, and the settings of single sections. Defaults that depend on <c>--quick</c> are resolved
/// here, so that the program reads one value per setting.
/// </summary>
/// <param name="Sections">The sections to measure, in the order they run (<see cref="AllSections"/>'s).</param>
/// <param name="Quick">Smaller cases and fewer repeats, to check that every section runs.</param>
/// <param name="Threads">libtorch's intra-op threads.</param>
/// <param name="Output">The report to write, as given; null for BENCHMARKS.md at the repository root.</param>
/// <param name="Data">The folder with Fashion-MNIST's four IDX files.</param>
/// <param name="EstimatorTrain">The estimator section's training images.</param>
/// <param name="EstimatorEpochs">The estimator section's epochs.</param>
/// <param name="EstimatorWidth">The estimator section's width multiplier.</param>
/// <param name="AccuracyEpochs">The accuracy section's epochs.</param>
/// <param name="EnsembleEpochs">The epochs of each network of the ensembles section.</param>
/// <param name="Crops144Images">The test images the ensembles section scores with 144 crops each.</param>
/// <param name="TransferImages">The transfer section's images of the new classes in its "many images" case.</param>
/// <param name="OpenMpRounds">The rounds of the OpenMP section (each runs every setting, quiet and busy).</param>
internal sealed record BenchmarksOptions(
    IReadOnlyList<string> Sections,
    bool Quick,
    int Threads,
    string? Output,
    string Data,
    int EstimatorTrain,
    int EstimatorEpochs,
    double EstimatorWidth,
    int AccuracyEpochs,
    int EnsembleEpochs,
    int Crops144Images,
    int TransferImages,
    int OpenMpRounds)
{
    /// <summary>The section measured when the command line names none.</summary>
    public const string DefaultSection = "network";

    /// <summary>
    /// Every section, each selected by the flag <c>--NAME</c>, in the order <c>--all</c> runs them: the memory figures
    /// first, while the process holds nothing from other benchmarks.
    /// </summary>
    public static IReadOnlyList<(string Name, string Description)> AllSections { get; } =
    [
        ("memory", "RSS per epoch and peak RSS of Fit at 224 px, batch 32, full width, 5 epochs."),
        ("latency", "PredictionEngine single-image latency (median, p95), Transform images/s and peak RSS."),
        ("network", "Forward and training step on random tensors, GFLOP/s against the FP32 peak (the section run when none is named)."),
        ("scaling", "Training images/s against batch size, image size, threads and memory layout."),
        ("convolutions", "Training images/s with libtorch's oneDNN convolutions and with its own (what correct numbers cost where oneDNN is wrong), 1 and 2 threads; the cost of Fit's per-step gradient check."),
        ("scoring", "Inference, TorchSharp eval against the exported model in ONNX Runtime, batch 1 and 32."),
        ("pipeline", "LoadImages + ResizeImages + ExtractPixels + copy into a tensor, images/s."),
        ("overhead", "Fit of the ML.NET pipeline against a bare TorchSharp loop on the same network and images, 32/96/224 px."),
        ("estimator", "Fit on Fashion-MNIST (--train, --epochs, --width): where Fit's time goes, test accuracy."),
        ("accuracy", "Test accuracy against wall time for the main example's settings (--accuracy-epochs), and LightGbm on the same data."),
        ("ensembles", "Test-time augmentation (flip, 10 and 144 crops) and an ensemble of 3: accuracy gained, scoring time (--ensemble-epochs, --crops144-images)."),
        ("transfer", "Weights trained on Fashion-MNIST classes 0-4, then 5-9 from scratch, head-only and fully fine-tuned, with many and with 20 images per class: test accuracy and Fit time (--transfer-images)."),
        ("smalldata", "150 training images with the README's settings (15 optimizer steps): the last epoch's training accuracy, the model on its own training images and on test images, with and without batch-norm statistics recomputed after the last epoch, and with the short-training warning's suggestion; the recomputation's cost."),
        ("intraop", "Training images/s of networks from the main example's to the full one at 224 px on 1 and on --threads intra-op threads, with glibc's default handling of large blocks and with the heap retention Fit applies: the measurements behind Fit's thread and heap defaults."),
        ("openmp", "Training images/s with libgomp's default spinning, OMP_WAIT_POLICY=PASSIVE and the library's GOMP_SPINCOUNT, on a quiet machine and next to one busy process per core, each in a child process (--openmp-rounds)."),
    ];

    /// <summary>
    /// Reads the command line. Returns false after printing the help (exit code 0) or one error line (exit code 1), and
    /// the program then stops with <paramref name="exitCode"/>.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out BenchmarksOptions? options, out int exitCode, TextWriter? output = null, TextWriter? error = null)
    {
        Option<bool> all = ExampleCommandLine.Flag("--all", "Every section, one after another in one process (about 40 minutes on 2 cores; needs Fashion-MNIST: apt-get install dataset-fashion-mnist, or --data).");
        (string Name, Option<bool> Flag)[] sections = AllSections.Select(s => (s.Name, ExampleCommandLine.Flag($"--{s.Name}", s.Description))).ToArray();
        Option<bool> quick = ExampleCommandLine.Flag("--quick", "Smaller cases and fewer repeats: checks that the sections run, in minutes; the figures are not the ones to publish.");
        Option<int> threads = ExampleCommandLine.Integer("--threads", Environment.ProcessorCount, 1, "libtorch's intra-op threads; the default is this machine's number of cores.");
        Option<string> report = ExampleCommandLine.Text("--output", "FILE", "The report to write; only the measured sections are replaced [default: BENCHMARKS.md at the repository root].");
        Option<string> data = ExampleCommandLine.Text("--data", "DIR", "The folder with Fashion-MNIST's four IDX files (the repository's examples/data/fashion-mnist has 20,000 training images).", FashionMnistIdx.SystemDirectory);
        Option<int?> train = ExampleCommandLine.OptionalInteger("--train", 1, "Training images of the estimator section [default: 60000, 2000 with --quick].");
        Option<int> epochs = ExampleCommandLine.Integer("--epochs", 2, 1, "Epochs of the estimator section.");
        Option<double> width = ExampleCommandLine.PositiveNumber("--width", 0.25, "Width multiplier of the estimator section.");
        Option<int?> accuracyEpochs = ExampleCommandLine.OptionalInteger("--accuracy-epochs", 1, $"Epochs of the accuracy section [default: {FashionMnistSettings.Epochs}, the main example's; 1 with --quick].");
        Option<int?> ensembleEpochs = ExampleCommandLine.OptionalInteger("--ensemble-epochs", 1, "Epochs of each network of the ensembles section [default: 3, 1 with --quick].");
        Option<int?> crops144Images = ExampleCommandLine.OptionalInteger("--crops144-images", 1, "Test images the ensembles section scores with 144 crops each [default: 2000, 100 with --quick].");
        Option<int?> transferImages = ExampleCommandLine.OptionalInteger("--transfer-images", 1, "Images of the new classes in the transfer section's many-images case [default: 10000, 500 with --quick].");
        Option<int?> openMpRounds = ExampleCommandLine.OptionalInteger("--openmp-rounds", 1, "Rounds of the OpenMP section; the table gives each setting's fastest [default: 3, 1 with --quick].");
        var command = new RootCommand("Measures GoogLeNet and the ML.NET pipeline on this machine and writes the sections of BENCHMARKS.md it measured, keeping the others. Without a section flag it measures the network section.");
        Option[] listed = [all, .. sections.Select(s => s.Flag), quick, threads, report, data, train, epochs, width, accuracyEpochs, ensembleEpochs, crops144Images, transferImages, openMpRounds];
        foreach (Option option in listed)
        {
            command.Options.Add(option);
        }

        if (!ExampleCommandLine.TryParse(command, args, out ParseResult parsed, out exitCode, output, error))
        {
            options = null;
            return false;
        }

        bool isQuick = parsed.GetValue(quick);
        string[] selected = sections.Where(s => parsed.GetValue(all) || parsed.GetValue(s.Flag)).Select(s => s.Name).ToArray();
        options = new BenchmarksOptions(
            selected.Length > 0 ? selected : [DefaultSection],
            isQuick,
            parsed.GetValue(threads),
            parsed.GetValue(report),
            parsed.GetRequiredValue(data),
            parsed.GetValue(train) ?? (isQuick ? 2_000 : 60_000),
            parsed.GetValue(epochs),
            parsed.GetValue(width),
            parsed.GetValue(accuracyEpochs) ?? (isQuick ? 1 : FashionMnistSettings.Epochs),
            parsed.GetValue(ensembleEpochs) ?? (isQuick ? 1 : 3),
            parsed.GetValue(crops144Images) ?? (isQuick ? 100 : 2_000),
            parsed.GetValue(transferImages) ?? (isQuick ? 500 : 10_000),
            parsed.GetValue(openMpRounds) ?? (isQuick ? 1 : 3));
        return true;
    }
}

// Measures GoogLeNet on this machine and writes BENCHMARKS.md at the repository root. Each benchmark writes its
// own section (between <!-- name:start --> and <!-- name:end --> markers) and keeps the other sections.
//   Network throughput (forward and training step on random tensors):
//     dotnet run -c Release --project examples/Benchmarks -- [--quick] [--threads 2] [--output BENCHMARKS.md]
//   Fit of an ML.NET pipeline on Fashion-MNIST (apt-get install dataset-fashion-mnist), then test accuracy:
//     dotnet run -c Release --project examples/Benchmarks -- --estimator [--train 60000] [--epochs 2] [--width 0.25] [--threads 2] [--output BENCHMARKS.md]
//       [--data /usr/share/datasets/fashion-mnist]
//   Inference, TorchSharp eval vs the exported model in ONNX Runtime, batch 1 and 32:
//     dotnet run -c Release --project examples/Benchmarks -- --scoring [--threads 2] [--output BENCHMARKS.md]
//   Training overhead, Fit of the ML.NET pipeline vs a bare TorchSharp loop on the same network and images, 32/96/224 px:
//     dotnet run -c Release --project examples/Benchmarks -- --overhead [--threads 2] [--output BENCHMARKS.md]
//       [--data /usr/share/datasets/fashion-mnist]
using System.Globalization;
using Microsoft.ML.Inception.Samples;
using System.Text;
using Microsoft.ML.Inception;
using Microsoft.ML.Inception.Benchmarks;
using TorchSharp;

const string RunCommand = "dotnet run -c Release --project examples/Benchmarks";
const string NetworkSection = "network";
const string NetworkHeading = "## GoogLeNet network throughput";
const string EstimatorSection = "estimator";
const string EstimatorHeading = "## Fit through the ML.NET pipeline (Fashion-MNIST)";
const string ScoringSection = "scoring";
const string ScoringHeading = "## Inference: TorchSharp eval vs ONNX Runtime";
const string OverheadSection = "overhead";
const string OverheadHeading = "## Training overhead: Fit through ML.NET vs a bare TorchSharp loop";

bool quick = args.Contains("--quick");
bool estimator = args.Contains("--estimator");
bool scoring = args.Contains("--scoring");
bool overhead = args.Contains("--overhead");
int threads = Option("--threads") is string t ? int.Parse(t, CultureInfo.InvariantCulture) : Environment.ProcessorCount;
string output = Option("--output") ?? Path.Combine(RepositoryRoot.Find(), "BENCHMARKS.md");
string command = args.Length == 0 ? RunCommand : $"{RunCommand} -- {string.Join(' ', args)}";
torch.set_num_threads(threads);

BenchmarkReport report = BenchmarkReport.Load(output, [new(NetworkSection, NetworkHeading, RunCommand)]);
if (estimator)
{
    if (MeasureEstimator() is not string section)
    {
        return;
    }

    report.Set(EstimatorSection, section);
}
else if (overhead)
{
    if (MeasureOverhead() is not string section)
    {
        return;
    }

    report.Set(OverheadSection, section);
}
else if (scoring)
{
    report.Set(ScoringSection, MeasureScoring());
}
else
{
    report.Set(NetworkSection, MeasureNetwork());
}

File.WriteAllText(output, report.Render(Header(), [NetworkSection, EstimatorSection, ScoringSection, OverheadSection]));
Console.WriteLine($"Wrote {output}");

string MeasureNetwork()
{
    NetworkThroughput.Case[] cases = quick
        ? [new(GoogLeNetVariant.TorchVision, 0.25, 32, 16)]
        :
        [
            new(GoogLeNetVariant.TorchVision, 1.0, 224, 16),
            new(GoogLeNetVariant.TorchVision, 0.25, 224, 16),
            new(GoogLeNetVariant.Paper, 1.0, 224, 16),
            new(GoogLeNetVariant.TorchVision, 1.0, 96, 16),
            new(GoogLeNetVariant.TorchVision, 0.25, 96, 16),
            new(GoogLeNetVariant.TorchVision, 1.0, 32, 16),
            new(GoogLeNetVariant.TorchVision, 0.25, 32, 16),
        ];

    var results = new List<NetworkThroughput.Result>();
    foreach (NetworkThroughput.Case c in cases)
    {
        NetworkThroughput.Result r = NetworkThroughput.Measure(c, warmup: quick ? 1 : 2, repeats: quick ? 3 : 7);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{c.Variant} width {c.Width} {c.Size}px batch {c.Batch}: forward {r.ForwardImagesPerSecond:F1} images/s, training step {r.TrainImagesPerSecond:F1} images/s"));
        results.Add(r);
    }

    var section = new StringBuilder();
    section.AppendLine(NetworkHeading).AppendLine();
    section.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `{command}` ({threads} intra-op threads, Microsoft.ML.Inception {MachineDescription.LibraryVersion()}); every figure in the table was measured in that one run.").AppendLine();
    section.AppendLine("Random inputs already in tensors, 10 classes; median of timed batches after warm-up. A training step is forward in training mode with both auxiliary heads (loss weight 0.3), backward and an SGD-with-momentum step. GFLOP/s counts 2 FLOP per multiply-add of the model summary (inference network, forward only).").AppendLine();
    section.Append(NetworkThroughput.Report(results, MachineDescription.PeakGflops()));
    return section.ToString();
}

string MeasureScoring()
{
    ScoringThroughput.Case[] cases =
    [
        new(GoogLeNetVariant.TorchVision, 0.25, 32, 1),
        new(GoogLeNetVariant.TorchVision, 0.25, 32, 32),
        new(GoogLeNetVariant.TorchVision, 1.0, 224, 1),
        new(GoogLeNetVariant.TorchVision, 1.0, 224, 32),
    ];
    var results = new List<ScoringThroughput.Result>();
    foreach (ScoringThroughput.Case c in cases)
    {
        ScoringThroughput.Result r = ScoringThroughput.Measure(c, threads, warmup: 3, repeats: c.Batch == 1 ? 41 : 7);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{c.Variant} width {c.Width} {c.Size}px batch {c.Batch}: TorchSharp {r.TorchSharpImagesPerSecond:F1} images/s, ONNX Runtime {r.OnnxImagesPerSecond:F1} images/s"));
        results.Add(r);
    }

    var section = new StringBuilder();
    section.AppendLine(ScoringHeading).AppendLine();
    section.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `{command}` ({threads} threads for both, Microsoft.ML.Inception {MachineDescription.LibraryVersion()}); every figure in the table was measured in that one run.").AppendLine();
    section.AppendLine("The same randomly initialised network (10 classes) both ways, normalisation and softmax included: TorchSharp in eval mode under no_grad, and the model from `GoogLeNetOnnxExport` (batch norm folded) in ONNX Runtime 1.31 with all graph optimisations. Median images/s of timed batches after warm-up, random pixel values.").AppendLine();
    section.Append(ScoringThroughput.Report(results));
    return section.ToString();
}

string? MeasureEstimator()
{
    int train = IntOption("--train", 60_000);
    int epochs = IntOption("--epochs", 2);
    double width = Option("--width") is string w ? double.Parse(w, CultureInfo.InvariantCulture) : 0.25;
    string data = Option("--data") ?? FashionMnistIdx.SystemDirectory;
    IReadOnlyList<string> missing = FashionMnistIdx.MissingFiles(data);
    if (missing.Count > 0)
    {
        Console.WriteLine($"Skipping the estimator benchmark: Fashion-MNIST is not installed ({string.Join(", ", missing)} missing). Install it with: apt-get install -y dataset-fashion-mnist (or point --data at a directory with the four files).");
        return null;
    }

    if (train < 1)
    {
        Console.WriteLine($"Skipping the estimator benchmark: --train must be at least 1, got {train}.");
        return null;
    }

    FashionMnistIdx.Split trainSplit = FashionMnistIdx.Load(data, FashionMnistIdx.TrainSplit, train);
    FashionMnistIdx.Split testSplit = FashionMnistIdx.Load(data, FashionMnistIdx.TestSplit);
    if (trainSplit.Count < train)
    {
        Console.WriteLine($"Fashion-MNIST has {trainSplit.Count} training images; using all of them.");
    }

    var c = new EstimatorFit.Case(trainSplit.Count, epochs, width, BatchSize: 128, LearningRate: 0.1);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Fit of MapValueToKey + Inception on {trainSplit.Count} Fashion-MNIST images (32x32 padded), {epochs} epoch(s), width {width}, batch {c.BatchSize}; then scoring {testSplit.Count} test images."));
    EstimatorFit.Result r = EstimatorFit.Measure(c, trainSplit, testSplit);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"Fit {r.Fit.TotalSeconds:F1} s (epochs {r.EpochTotal.TotalSeconds:F1} s), test accuracy {r.Test.MicroAccuracy:P2}, peak RSS {ProcessMemory.Format(r.PeakAtEndMiB)} MiB"));
    return EstimatorHeading + "\n\n" + EstimatorFit.Report(r, command, threads);
}

string? MeasureOverhead()
{
    string data = Option("--data") ?? FashionMnistIdx.SystemDirectory;
    IReadOnlyList<string> missing = FashionMnistIdx.MissingFiles(data);
    if (missing.Count > 0)
    {
        Console.WriteLine($"Skipping the overhead benchmark: Fashion-MNIST is not installed ({string.Join(", ", missing)} missing). Install it with: apt-get install -y dataset-fashion-mnist (or point --data at a directory with the four files).");
        return null;
    }

    // Width 0.25 at every size so that 224 px stays affordable; image counts chosen for roughly equal time per size.
    TrainingOverhead.Case[] cases =
    [
        new(Size: 32, Images: 4096, Epochs: 3, Width: 0.25, BatchSize: 16),
        new(Size: 96, Images: 1536, Epochs: 3, Width: 0.25, BatchSize: 16),
        new(Size: 224, Images: 384, Epochs: 3, Width: 0.25, BatchSize: 16),
    ];
    var results = new List<TrainingOverhead.Result>();
    foreach (TrainingOverhead.Case c in cases)
    {
        FashionMnistIdx.Split split = FashionMnistIdx.Load(data, FashionMnistIdx.TrainSplit, c.Images);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{c.Size}x{c.Size} px, {split.Count} images x {c.Epochs} epochs, width {c.Width}, batch {c.BatchSize}:"));
        results.Add(TrainingOverhead.Measure(c with { Images = split.Count }, split));
    }

    return OverheadHeading + "\n\n" + TrainingOverhead.Report(results, command, threads);
}

string Header()
{
    var header = new StringBuilder();
    header.AppendLine("# Benchmarks").AppendLine();
    header.AppendLine(CultureInfo.InvariantCulture, $"Written by `{RunCommand}` (network throughput), `{RunCommand} -- --estimator` (Fit through the ML.NET pipeline), `{RunCommand} -- --scoring` (inference) and `{RunCommand} -- --overhead` (Fit vs a bare TorchSharp loop); `dotnet run -c Release --project examples/Comparison -- --write-benchmarks` writes the comparison with ML.NET's usual routes. Each run rewrites only its own section and keeps the others; every figure in a section was measured in the one run that section names.").AppendLine();
    header.AppendLine(CultureInfo.InvariantCulture, $"Machine, as described by the latest run ({DateTime.UtcNow:yyyy-MM-dd}):").AppendLine();
    header.AppendLine(MachineDescription.Describe(threads));
    if (MachineDescription.PeakGflops() is double p)
    {
        header.AppendLine(CultureInfo.InvariantCulture, $"- FP32 peak: {p:F0} GFLOP/s = {Environment.ProcessorCount} cores x clock x 32 FLOP/cycle (two 256-bit FMA units); the clock is the one /proc/cpuinfo reports.");
    }

    return header.ToString();
}

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

int IntOption(string name, int defaultValue) =>
    Option(name) is string value ? int.Parse(value, CultureInfo.InvariantCulture) : defaultValue;

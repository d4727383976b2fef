// Measures GoogLeNet throughput on this machine and writes BENCHMARKS.md at the repository root.
//   dotnet run -c Release --project examples/Benchmarks -- [--quick] [--threads 2] [--output BENCHMARKS.md]
using System.Globalization;
using System.Text;
using Microsoft.ML.Inception;
using Microsoft.ML.Inception.Benchmarks;
using TorchSharp;

bool quick = args.Contains("--quick");
int threads = Option("--threads") is string t ? int.Parse(t, CultureInfo.InvariantCulture) : Environment.ProcessorCount;
string output = Option("--output") ?? Path.Combine(FindRepositoryRoot(), "BENCHMARKS.md");
torch.set_num_threads(threads);

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

var report = new StringBuilder();
report.AppendLine("# Benchmarks").AppendLine();
report.AppendLine("Written by `dotnet run -c Release --project examples/Benchmarks`; every figure in a table was measured in the same run.").AppendLine();
report.AppendLine(CultureInfo.InvariantCulture, $"Measured {DateTime.UtcNow:yyyy-MM-dd} on:").AppendLine();
report.AppendLine(MachineDescription.Describe(threads));
double? peak = MachineDescription.PeakGflops();
if (peak is double p)
{
    report.AppendLine(CultureInfo.InvariantCulture, $"- FP32 peak: {p:F0} GFLOP/s = {Environment.ProcessorCount} cores x clock x 32 FLOP/cycle (two 256-bit FMA units); the clock is the one /proc/cpuinfo reports.");
}

report.AppendLine().AppendLine("## GoogLeNet network throughput").AppendLine();
report.AppendLine("Random inputs already in tensors, 10 classes; median of timed batches after warm-up. A training step is forward in training mode with both auxiliary heads (loss weight 0.3), backward and an SGD-with-momentum step. GFLOP/s counts 2 FLOP per multiply-add of the model summary (inference network, forward only).").AppendLine();
report.Append(NetworkThroughput.Report(results, peak));
File.WriteAllText(output, report.ToString());
Console.WriteLine($"Wrote {output}");

string? Option(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Inception.MLNet.sln")))
        {
            return dir.FullName;
        }
    }

    return Directory.GetCurrentDirectory();
}

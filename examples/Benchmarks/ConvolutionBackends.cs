using System.Diagnostics;
using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// What correct convolutions cost where libtorch's oneDNN computes them wrongly (see the README's "Correct, repeatable
/// numbers"): training steps with oneDNN (libtorch's default; fast, but wrong on such processors) against libtorch's own
/// im2col and GEMM convolutions (what the library switches to there), at 1 and 2 threads, for the main example's network
/// and the full network at 224 px; and the per-step check of the gradients that <c>Fit</c> makes.
/// </summary>
internal static class ConvolutionBackends
{
    public sealed record Row(string Network, int Threads, double OneDnnImagesPerSecond, double OwnImagesPerSecond);

    public sealed record Measurement(string? Workaround, IReadOnlyList<Row> Rows, double StepMilliseconds, double GradientCheckMilliseconds);

    public static Measurement Measure(int threads, bool quick)
    {
        string? workaround = CpuConvolutionCheck.EnsureCorrect();
        bool oneDnnBefore = LibTorchContext.OneDnnEnabled;
        int warmup = quick ? 1 : 2;
        int repeats = quick ? 2 : 5;
        (string Name, NetworkThroughput.Case Case)[] networks =
        [
            ("the main example's: width 0.25, 1x56x56, batch 128", new(GoogLeNetVariant.TorchVision, 0.25, 56, quick ? 32 : 128, Channels: 1, Forward: false)),
            ("full width, 3x224x224, batch 32", new(GoogLeNetVariant.TorchVision, 1.0, 224, quick ? 4 : 32, Forward: false)),
        ];
        var rows = new List<Row>();
        try
        {
            foreach ((string name, NetworkThroughput.Case c) in networks)
            {
                foreach (int t in new[] { 1, threads }.Distinct())
                {
                    torch.set_num_threads(t);
                    LibTorchContext.OneDnnEnabled = true;
                    double oneDnn = NetworkThroughput.Measure(c, warmup, repeats).TrainImagesPerSecond;
                    LibTorchContext.OneDnnEnabled = false;
                    double own = NetworkThroughput.Measure(c, warmup, repeats).TrainImagesPerSecond;
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}, {t} thread(s): oneDNN {oneDnn:F1}, libtorch's own {own:F1} images/s"));
                    rows.Add(new Row(name, t, oneDnn, own));
                }
            }
        }
        finally
        {
            LibTorchContext.OneDnnEnabled = oneDnnBefore;
            torch.set_num_threads(threads);
        }

        (double step, double check) = GradientCheckCost(networks[0].Case, quick ? 3 : 10);
        return new Measurement(workaround, rows, step, check);
    }

    /// <summary>The median time of a training step and of <c>Fit</c>'s check that its gradients are finite, in milliseconds.</summary>
    private static (double Step, double Check) GradientCheckCost(NetworkThroughput.Case c, int repeats)
    {
        torch.manual_seed(1);
        using var net = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = c.Width, NumberOfClasses = 10, InputChannels = c.Channels, AuxiliaryClassifiers = false });
        using var optimizer = optim.SGD(net.parameters(), 0.01, momentum: 0.9);
        using Tensor input = torch.randn(c.Batch, c.Channels, c.Size, c.Size);
        using Tensor labels = torch.randint(0, 10, [c.Batch]);
        net.train();
        var steps = new List<double>();
        var checks = new List<double>();
        for (int i = 0; i < repeats + 1; i++)
        {
            using var scope = torch.NewDisposeScope();
            var watch = Stopwatch.StartNew();
            optimizer.zero_grad();
            nn.functional.cross_entropy(net.call(input), labels).backward();
            double backward = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            string? bad = FiniteTensors.FirstInGradients(net);
            double check = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            optimizer.step();
            if (i > 0 && bad is null)
            {
                steps.Add(backward + check + watch.Elapsed.TotalMilliseconds);
                checks.Add(check);
            }
        }

        steps.Sort();
        checks.Sort();
        return (steps[steps.Count / 2], checks[checks.Count / 2]);
    }

    public static string Report(Measurement m)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"On this machine: {m.Workaround ?? "libtorch's oneDNN convolutions passed the library's check, so the library leaves them on; the rows below show what turning them off would cost."}").AppendLine();
        text.AppendLine("| network | threads | oneDNN (libtorch's default) images/s | libtorch's own convolutions images/s | own / oneDNN |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (Row r in m.Rows)
        {
            text.AppendLine(c, $"| {r.Network} | {r.Threads} | {r.OneDnnImagesPerSecond:F1} | {r.OwnImagesPerSecond:F1} | {r.OwnImagesPerSecond / r.OneDnnImagesPerSecond:F2}x |");
        }

        text.AppendLine().AppendLine(c,
            $"`Fit`'s check that every gradient is finite before each optimiser step, on the main example's network (without auxiliary heads) with the convolutions the library uses here: {m.GradientCheckMilliseconds:F2} ms of a {m.StepMilliseconds:F0} ms training step ({m.GradientCheckMilliseconds / m.StepMilliseconds:P1}).");
        return text.ToString();
    }
}

using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Images/s of a GoogLeNet forward pass (eval) and of a full SGD training step (train mode, auxiliary
/// losses, backward, optimiser step) on random inputs already in tensors: the network's own cost,
/// without any data pipeline. Each figure is the median of repeated timed batches after warm-up.
/// </summary>
internal static class NetworkThroughput
{
    public sealed record Case(GoogLeNetVariant Variant, double Width, int Size, int Batch);

    public sealed record Result(Case Case, double ForwardImagesPerSecond, double TrainImagesPerSecond, long MultiplyAdds);

    public static Result Measure(Case c, int warmup, int repeats)
    {
        torch.manual_seed(1);
        var options = new GoogLeNetOptions { Variant = c.Variant, WidthMultiplier = c.Width, NumberOfClasses = 10 };
        using var net = new GoogLeNet(options);
        using var optimizer = optim.SGD(net.parameters(), 0.01, momentum: 0.9);
        using Tensor input = torch.randn(c.Batch, 3, c.Size, c.Size);
        using Tensor labels = torch.randint(0, 10, [c.Batch]);

        net.eval();
        double forward = Throughput.MedianImagesPerSecond(c.Batch, warmup, repeats, () =>
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            net.call(input);
        });

        net.train();
        double train = Throughput.MedianImagesPerSecond(c.Batch, warmup, repeats, () =>
        {
            using var scope = torch.NewDisposeScope();
            GoogLeNetOutput output = net.ForwardWithAuxiliary(input);
            Tensor loss = nn.functional.cross_entropy(output.Logits, labels)
                + (0.3 * nn.functional.cross_entropy(output.Auxiliary1!, labels))
                + (0.3 * nn.functional.cross_entropy(output.Auxiliary2!, labels));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        });

        return new Result(c, forward, train, net.Summarize(c.Size, c.Size).TotalMultiplyAdds);
    }

    public static string Report(IReadOnlyList<Result> results, double? peakGflops)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| variant | width | input | batch | forward images/s | training-step images/s | forward GFLOP/s | share of FP32 peak |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (Result r in results)
        {
            double gflops = r.ForwardImagesPerSecond * r.MultiplyAdds * 2 / 1e9;
            string share = peakGflops is double peak ? (gflops / peak).ToString("P1", c) : "n/a";
            text.AppendLine(c, $"| {r.Case.Variant} | {r.Case.Width} | {r.Case.Size}x{r.Case.Size} | {r.Case.Batch} | {r.ForwardImagesPerSecond:F1} | {r.TrainImagesPerSecond:F1} | {gflops:F1} | {share} |");
        }

        return text.ToString();
    }
}

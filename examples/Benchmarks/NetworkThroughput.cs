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
    /// <summary>One measurement: the network, its input and how it runs.</summary>
    /// <param name="Channels">Input channels: 3 (colour) or 1 (grey, like Fashion-MNIST).</param>
    /// <param name="ChannelsLast"><see cref="GoogLeNetOptions.ChannelsLast"/>.</param>
    /// <param name="Forward">Whether to time the forward pass too (scaling tables time only training steps).</param>
    /// <param name="BFloat16">Whether weights and activations are bfloat16 (the loss is computed in float32).</param>
    public sealed record Case(
        GoogLeNetVariant Variant, double Width, int Size, int Batch, int Channels = 3, bool ChannelsLast = true, bool Forward = true, bool BFloat16 = false);

    public sealed record Result(Case Case, double ForwardImagesPerSecond, double TrainImagesPerSecond, long MultiplyAdds);

    public static Result Measure(Case c, int warmup, int repeats)
    {
        torch.manual_seed(1);
        var options = new GoogLeNetOptions
        {
            Variant = c.Variant,
            WidthMultiplier = c.Width,
            NumberOfClasses = 10,
            InputChannels = c.Channels,
            ChannelsLast = c.ChannelsLast,
        };
        using var net = new GoogLeNet(options);
        if (c.BFloat16)
        {
            net.to(ScalarType.BFloat16);
        }

        using var optimizer = optim.SGD(net.parameters(), 0.01, momentum: 0.9);
        using Tensor input = torch.randn(c.Batch, c.Channels, c.Size, c.Size, dtype: c.BFloat16 ? ScalarType.BFloat16 : ScalarType.Float32);
        using Tensor labels = torch.randint(0, 10, [c.Batch]);

        net.eval();
        double forward = !c.Forward ? double.NaN : Throughput.MedianImagesPerSecond(c.Batch, warmup, repeats, () =>
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
            Tensor loss = nn.functional.cross_entropy(output.Logits.to(ScalarType.Float32), labels)
                + (0.3 * nn.functional.cross_entropy(output.Auxiliary1!.to(ScalarType.Float32), labels))
                + (0.3 * nn.functional.cross_entropy(output.Auxiliary2!.to(ScalarType.Float32), labels));
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        });

        return new Result(c, forward, train, net.Summarize(c.Size, c.Size).TotalMultiplyAdds);
    }

    /// <summary>FLOP of one training step per image: forward + backward, about 3x the forward pass's 2 FLOP per multiply-add.</summary>
    public static double TrainingFlopPerImage(long multiplyAdds) => 3.0 * 2 * multiplyAdds;

    public static string Report(IReadOnlyList<Result> results, double? peakGflops)
    {
        var c = CultureInfo.InvariantCulture;
        string Share(double gflops) => peakGflops is double peak ? (gflops / peak).ToString("P1", c) : "n/a";
        var text = new StringBuilder();
        text.AppendLine("| variant | width | input | batch | forward images/s | training-step images/s | forward GFLOP/s (share of peak) | training GFLOP/s (share of peak) |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (Result r in results)
        {
            double forward = r.ForwardImagesPerSecond * r.MultiplyAdds * 2 / 1e9;
            double train = r.TrainImagesPerSecond * TrainingFlopPerImage(r.MultiplyAdds) / 1e9;
            text.AppendLine(c, $"| {r.Case.Variant} | {r.Case.Width} | {r.Case.Channels}x{r.Case.Size}x{r.Case.Size} | {r.Case.Batch} | {r.ForwardImagesPerSecond:F1} | {r.TrainImagesPerSecond:F1} | {forward:F1} ({Share(forward)}) | {train:F1} ({Share(train)}) |");
        }

        return text.ToString();
    }
}

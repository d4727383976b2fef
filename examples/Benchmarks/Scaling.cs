using System.Globalization;
using System.Text;
using TorchSharp;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// How the cost of a training step grows: images/s against batch size, image size, thread count and memory layout
/// (channels-last against contiguous), and the FLOP rate of training the full-width network at 224 px against the
/// machine's FP32 peak. Every figure is a training step on random inputs already in tensors (<see cref="NetworkThroughput"/>).
/// </summary>
internal static class Scaling
{
    /// <summary>One table: its title, the column that varies, and the measurements in order.</summary>
    /// <param name="Pairs">Whether rows come in pairs (a baseline, then the same case changed), each compared with its
    /// own baseline rather than with the table's first row.</param>
    public sealed record Table(string Title, string Varies, IReadOnlyList<(string Value, NetworkThroughput.Result Result)> Rows, bool Pairs = false);

    public static IReadOnlyList<Table> Measure(int threads, bool quick)
    {
        int warmup = quick ? 1 : 2;
        int repeats = quick ? 2 : 5;
        NetworkThroughput.Result Run(NetworkThroughput.Case c)
        {
            NetworkThroughput.Result r = NetworkThroughput.Measure(c with { Forward = false }, warmup, repeats);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  width {c.Width} {c.Channels}x{c.Size}x{c.Size} batch {c.Batch} channels-last {c.ChannelsLast} bf16 {c.BFloat16} threads {torch.get_num_threads()}: {r.TrainImagesPerSecond:F1} images/s"));
            return r;
        }

        var small = new NetworkThroughput.Case(GoogLeNetVariant.TorchVision, 0.25, 64, 32);
        var tables = new List<Table>
        {
            new("Batch size (width 0.25, 3x64x64)", "batch",
                [.. new[] { 8, 32, 128 }.Select(b => (b.ToString(CultureInfo.InvariantCulture), Run(small with { Batch = b })))]),
            new("Image size (width 0.25, batch 32)", "input",
                [.. new[] { 32, 64, 96, 224 }.Select(s => ($"{s}x{s}", Run(small with { Size = s })))]),
        };

        var threadRows = new List<(string, NetworkThroughput.Result)>();
        foreach (int t in new[] { 1, threads }.Distinct())
        {
            torch.set_num_threads(t);
            threadRows.Add((t.ToString(CultureInfo.InvariantCulture), Run(small with { Size = 96 })));
        }

        torch.set_num_threads(threads);
        tables.Add(new("Threads (width 0.25, 3x96x96, batch 32)", "intra-op threads", threadRows));

        var layoutRows = new List<(string, NetworkThroughput.Result)>();
        NetworkThroughput.Case[] layouts =
        [
            new(GoogLeNetVariant.TorchVision, 0.25, 32, 128, Channels: 1),
            new(GoogLeNetVariant.TorchVision, 1.0, 224, quick ? 8 : 32),
        ];
        foreach (NetworkThroughput.Case c in layouts)
        {
            layoutRows.Add(("contiguous", Run(c with { ChannelsLast = false })));
            layoutRows.Add(("channels-last", Run(c with { ChannelsLast = true })));
        }

        tables.Add(new("Memory layout: the Fashion-MNIST example's network (width 0.25, 1x32x32, batch 128) and the full network at 224 px", "layout", layoutRows, Pairs: true));

        // This CPU has no native bfloat16 arithmetic (no AVX512-BF16 or AMX), so oneDNN cannot run bf16 convolutions fast.
        var precision = small with { Size = 96 };
        tables.Add(new("Precision (width 0.25, 3x96x96, batch 32)", "precision",
            [("float32", Run(precision)), ("bfloat16", Run(precision with { BFloat16 = true }))], Pairs: true));
        return tables;
    }

    public static string Report(IReadOnlyList<Table> tables, double? peakGflops)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (Table table in tables)
        {
            text.AppendLine(c, $"**{table.Title}**").AppendLine();
            text.AppendLine(c, $"| {table.Varies} | width | input | batch | training-step images/s | {(table.Pairs ? "relative to the row above it" : "relative to the first row")} | multiply-adds per image | training GFLOP/s | share of FP32 peak |");
            text.AppendLine("|---|---|---|---|---|---|---|---|---|");
            for (int i = 0; i < table.Rows.Count; i++)
            {
                (string value, NetworkThroughput.Result r) = table.Rows[i];
                double first = table.Rows[table.Pairs ? i - (i % 2) : 0].Result.TrainImagesPerSecond;
                double gflops = r.TrainImagesPerSecond * NetworkThroughput.TrainingFlopPerImage(r.MultiplyAdds) / 1e9;
                string share = peakGflops is double peak ? (gflops / peak).ToString("P1", c) : "n/a";
                text.AppendLine(c, $"| {value} | {r.Case.Width} | {r.Case.Channels}x{r.Case.Size}x{r.Case.Size} | {r.Case.Batch} | {r.TrainImagesPerSecond:F1} | {r.TrainImagesPerSecond / first:F2}x | {r.MultiplyAdds / 1e6:F1} M | {gflops:F1} | {share} |");
            }

            text.AppendLine();
        }

        return text.ToString();
    }
}

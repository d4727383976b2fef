using System.Globalization;
using System.Text;
using TorchSharp;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Training-step images/s of networks from the main example's size to the full network at 224 px, on one intra-op thread
/// and on libtorch's count, with glibc's default handling of large blocks and with the heap retention <c>Fit</c> applies
/// (<see cref="NativeHeapRetention"/>): the measurements behind <see cref="IntraOpThreads"/>'s rule and the retention.
/// </summary>
internal static class ThreadsAndHeap
{
    /// <summary>One network, its multiply-adds per image, and images/s per (threads, retained heap) in every round.</summary>
    public sealed record Row(NetworkThroughput.Case Case, long MultiplyAdds, IReadOnlyDictionary<(int Threads, bool Retained), List<double>> Rates)
    {
        /// <summary>The fastest round: other work on the machine can only slow a run down.</summary>
        public double Fastest(int threads, bool retained) => Rates[(threads, retained)].Max();
    }

    public sealed record Measurement(IReadOnlyList<Row> Rows, int Threads, int Rounds, int Repeats);

    public static IReadOnlyList<NetworkThroughput.Case> Cases(bool quick) => quick
        ? [new(GoogLeNetVariant.TorchVision, 0.25, 56, 32, Channels: 1, Forward: false), new(GoogLeNetVariant.TorchVision, 0.25, 96, 16, Forward: false)]
        : [
            new(GoogLeNetVariant.TorchVision, 0.25, 56, 128, Channels: 1, Forward: false),
            new(GoogLeNetVariant.TorchVision, 0.25, 96, 32, Forward: false),
            new(GoogLeNetVariant.TorchVision, 0.5, 96, 32, Forward: false),
            new(GoogLeNetVariant.TorchVision, 1.0, 64, 32, Forward: false),
            new(GoogLeNetVariant.TorchVision, 0.5, 128, 32, Forward: false),
            new(GoogLeNetVariant.TorchVision, 1.0, 224, 16, Forward: false),
        ];

    /// <summary>The command-line flag that makes this program a measuring child: <c>--intraop-child CASE THREADS RETAINED [--quick]</c>.</summary>
    public const string ChildFlag = "--intraop-child";

    /// <summary>
    /// Every case with every setting, each in a fresh child process (glibc's allocator keeps what a retained heap changed,
    /// and libtorch its thread pool), rounds interleaved so that a change in the machine's load hits all alike.
    /// </summary>
    public static Measurement Measure(int threads, bool quick)
    {
        int rounds = quick ? 1 : 3;
        int repeats = quick ? 2 : 3;
        IReadOnlyList<NetworkThroughput.Case> cases = Cases(quick);
        var rates = cases.ToDictionary(c => c, _ => new Dictionary<(int, bool), List<double>>());
        var multiplyAdds = cases.ToDictionary(c => c, MultiplyAdds);
        for (int round = 1; round <= rounds; round++)
        {
            for (int i = 0; i < cases.Count; i++)
            {
                NetworkThroughput.Case c = cases[i];
                foreach (int t in new[] { 1, threads }.Distinct())
                {
                    foreach (bool retained in new[] { false, true })
                    {
                        string[] arguments = [ChildFlag, Invariant(i), Invariant(t), retained ? "1" : "0", Invariant(repeats), .. quick ? new[] { "--quick" } : []];
                        (double imagesPerSecond, _) = MeasuringChild.Run($"case {i}, {t} thread(s)", arguments, new Dictionary<string, string?>());
                        (rates[c].TryGetValue((t, retained), out var list) ? list : rates[c][(t, retained)] = []).Add(imagesPerSecond);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"  round {round}, width {c.Width}, {c.Channels}x{c.Size}x{c.Size}, batch {c.Batch}, {t} thread(s), heap {(retained ? "retained" : "glibc's default")}: {imagesPerSecond:F1} images/s"));
                    }
                }
            }
        }

        return new Measurement(cases.Select(c => new Row(c, multiplyAdds[c], rates[c])).ToList(), threads, rounds, repeats);
    }

    /// <summary>The child's work: one case on the given threads, with or without the retained heap; prints images/s.</summary>
    public static void RunChild(string[] args)
    {
        NetworkThroughput.Case c = Cases(args.Contains("--quick"))[int.Parse(args[1], CultureInfo.InvariantCulture)];
        torch.set_num_threads(int.Parse(args[2], CultureInfo.InvariantCulture));
        using IDisposable? heap = args[3] == "1" ? NativeHeapRetention.Enter() : null;
        NetworkThroughput.Result r = NetworkThroughput.Measure(c, warmup: 1, repeats: int.Parse(args[4], CultureInfo.InvariantCulture));
        MeasuringChild.Report(r.TrainImagesPerSecond);
    }

    private static long MultiplyAdds(NetworkThroughput.Case c)
    {
        using var network = new GoogLeNet(new GoogLeNetOptions { Variant = c.Variant, WidthMultiplier = c.Width, NumberOfClasses = 10, InputChannels = c.Channels });
        return network.Summarize(c.Size, c.Size).TotalMultiplyAdds;
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Report(Measurement m)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Training steps (TorchVision variant, auxiliary heads, backward, SGD with momentum, channels-last) on random inputs, the median of {m.Repeats} timed steps after 1 warm-up step, the fastest of {m.Rounds} round(s); each setting in a fresh child process (a retained heap leaves glibc's allocator changed, and libtorch keeps its thread pool), the rounds interleaved. *Retained heap*: what `Fit` does on Linux with glibc (`mallopt`: large blocks stay in the heap instead of a fresh `mmap` each, freed memory up to {NativeHeapRetention.TrimThreshold / (1 << 20)} MiB kept; glibc's own settings and `malloc_trim` after the last `Fit`). `Fit` trains on one thread below {IntraOpThreads.SingleThreadBelow / 1_000_000} million multiply-adds per image and on libtorch's count ({m.Threads} here) from there (`InceptionOptions.IntraOpThreads` chooses otherwise); the column it uses is in bold.").AppendLine();
        bool two = m.Threads != 1;
        text.AppendLine(two
            ? $"| network | multiply-adds per image | 1 thread, glibc's default | 1 thread, retained heap | {m.Threads} threads, glibc's default | {m.Threads} threads, retained heap | Fit's choice against {m.Threads} threads with glibc's default (before) |"
            : "| network | multiply-adds per image | 1 thread, glibc's default | 1 thread, retained heap | Fit's choice against glibc's default (before) |");
        text.AppendLine(two ? "|---|---|---|---|---|---|---|" : "|---|---|---|---|---|");
        foreach (Row r in m.Rows)
        {
            int chosen = IntraOpThreads.Choose(null, r.MultiplyAdds, m.Threads);
            string Cell(int t, bool retained)
            {
                string figure = r.Fastest(t, retained).ToString("F1", c);
                return t == chosen && retained ? $"**{figure}**" : figure;
            }
            string network = string.Create(c, $"width {r.Case.Width}, {r.Case.Channels}x{r.Case.Size}x{r.Case.Size}, batch {r.Case.Batch}");
            double gain = r.Fastest(chosen, true) / r.Fastest(m.Threads, false);
            string more = two ? $"{Cell(m.Threads, false)} | {Cell(m.Threads, true)} | " : string.Empty;
            text.AppendLine(c, $"| {network} | {r.MultiplyAdds / 1e6:F1} M | {Cell(1, false)} | {Cell(1, true)} | {more}{gain:F2}x |");
        }

        return text.ToString();
    }
}

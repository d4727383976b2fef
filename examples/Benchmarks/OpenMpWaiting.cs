using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Training speed with libtorch's OpenMP threads waiting for work in three ways: libgomp's own default (spin 300,000
/// times, what the library left before it set a default), <c>OMP_WAIT_POLICY=PASSIVE</c> (sleep at once) and the library's
/// default (<c>GOMP_SPINCOUNT</c> = <see cref="OpenMpSpinCount.Default"/>), on a quiet machine and next to processes that
/// keep every core busy. libgomp reads these variables once, when libtorch loads, so every measurement runs in a child
/// process of this program (<see cref="ChildFlag"/>) started with its own environment; the child also has libgomp print
/// what it read (<c>OMP_DISPLAY_ENV=VERBOSE</c>), so the report shows the setting that was in force, not only the one asked for.
/// </summary>
internal static class OpenMpWaiting
{
    /// <summary>The command-line flag that makes this program a measuring child: <c>--openmp-child --threads N [--quick]</c>.</summary>
    public const string ChildFlag = "--openmp-child";

    /// <summary>One way of waiting: the variables given to the child (null: not set) and its intra-op threads.</summary>
    public sealed record Setting(string Name, string? SpinCount, string? WaitPolicy, int Threads);

    /// <summary>A setting's training-step images/s in every round, and what libgomp reported it read.</summary>
    public sealed record Row(Setting Setting, bool Busy, IReadOnlyList<double> ImagesPerSecond, string LibGompRead)
    {
        /// <summary>The fastest round: other work on the machine can only slow a run down.</summary>
        public double Fastest => ImagesPerSecond.Max();
    }

    public sealed record Measurement(NetworkThroughput.Case Network, int Rounds, int BusyProcesses, IReadOnlyList<Row> Rows, IReadOnlyList<double> QuietLoad);

    /// <summary>
    /// The main example's network (Fashion-MNIST: width 0.25, 1x56x56) at batch 32, 16 in quick mode: with libgomp's default
    /// spinning on a busy machine a step of the example's batch of 128 takes tens of seconds.
    /// </summary>
    public static NetworkThroughput.Case Network(bool quick) =>
        new(GoogLeNetVariant.TorchVision, 0.25, 56, quick ? 16 : 32, Channels: 1, Forward: false);

    /// <summary>Runs every setting in a child process, quiet and busy, for several rounds (settings interleaved, so that a change in the machine's load hits them alike).</summary>
    public static Measurement Measure(int threads, bool quick, int rounds)
    {
        var settings = new List<Setting>
        {
            new($"libgomp's default (spin {OpenMpSpinCount.LibGompDefault}), the library's behaviour before", OpenMpSpinCount.LibGompDefault, null, threads),
            new("OMP_WAIT_POLICY=PASSIVE", null, "PASSIVE", threads),
            new($"the library's default ({OpenMpSpinCount.SpinCountVariable}={OpenMpSpinCount.Default})", null, null, threads),
        };
        if (threads > 1)
        {
            settings.Add(new($"the library's default, 1 intra-op thread", null, null, 1));
        }

        int busyProcesses = Environment.ProcessorCount;
        var rates = new Dictionary<(Setting, bool), List<double>>();
        var read = new Dictionary<(Setting, bool), string>();
        var quietLoad = new List<double>();
        for (int round = 1; round <= rounds; round++)
        {
            foreach (bool busy in new[] { false, true })
            {
                if (!busy)
                {
                    quietLoad.Add(LoadAverage());
                }

                using BusyProcesses? load = busy ? BusyProcesses.Start(busyProcesses) : null;
                foreach (Setting setting in settings)
                {
                    (double imagesPerSecond, string libgomp) = RunChild(setting, quick);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  round {round}, {(busy ? "busy" : "quiet")}, {setting.Name}, {setting.Threads} thread(s): {imagesPerSecond:F1} images/s (libgomp read {libgomp})"));
                    ListFor(rates, (setting, busy)).Add(imagesPerSecond);
                    read[(setting, busy)] = libgomp;
                }
            }
        }

        var rows = new List<Row>();
        foreach (bool busy in new[] { false, true })
        {
            rows.AddRange(settings.Select(s => new Row(s, busy, rates[(s, busy)], read[(s, busy)])));
        }

        return new Measurement(Network(quick), rounds, busyProcesses, rows, quietLoad);
    }

    /// <summary>The child's work: loads the library before libtorch (as an application does), then times training steps and prints images/s.</summary>
    public static void RunChild(string[] args)
    {
        // First use of the library: its module initializer sets the OpenMP default before anything loads libtorch.
        Console.Error.WriteLine($"Microsoft.ML.Inception OpenMP default: {OpenMpSpinCount.State}");
        int threadsIndex = Array.IndexOf(args, "--threads");
        int threads = threadsIndex >= 0 ? int.Parse(args[threadsIndex + 1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        TorchSharp.torch.set_num_threads(threads);
        NetworkThroughput.Result r = NetworkThroughput.Measure(Network(args.Contains("--quick")), warmup: 1, repeats: args.Contains("--quick") ? 2 : 5);
        MeasuringChild.Report(r.TrainImagesPerSecond);
    }

    public static string Report(Measurement m)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Training steps of the main example's network ({m.Network.Width} width, {m.Network.Channels}x{m.Network.Size}x{m.Network.Size}, batch {m.Network.Batch}, auxiliary heads, SGD with momentum) on random inputs, each in a child process started with the setting's environment: the median of 5 timed steps after 1 warm-up step, then the fastest of {m.Rounds} round(s) (each round runs every setting without, then with the benchmark's busy processes). *Busy*: {m.BusyProcesses} processes `sh -c 'exec yes > /dev/null'` (one per core) run meanwhile; *quiet*: none started by the benchmark, but the machine's other work counts too: the 1-minute load average before those runs was {string.Join(", ", m.QuietLoad.Select(l => l.ToString("F2", c)))} (on {Environment.ProcessorCount} cores). *libgomp read* is what libtorch's OpenMP runtime printed with `OMP_DISPLAY_ENV=VERBOSE`.").AppendLine();
        text.AppendLine("| machine | OpenMP waiting | intra-op threads | libgomp read | training images/s (fastest round) | each round | relative to libgomp's default |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (bool busy in new[] { false, true })
        {
            List<Row> rows = m.Rows.Where(r => r.Busy == busy).ToList();
            double baseline = rows[0].Fastest;
            foreach (Row r in rows)
            {
                text.AppendLine(c, $"| {(busy ? "busy" : "quiet")} | {r.Setting.Name} | {r.Setting.Threads} | {r.LibGompRead} | {r.Fastest:F1} | {string.Join(", ", r.ImagesPerSecond.Select(x => x.ToString("F1", c)))} | {r.Fastest / baseline:F2}x |");
            }
        }

        return text.ToString();
    }

    private static List<double> ListFor(Dictionary<(Setting, bool), List<double>> rates, (Setting, bool) key)
    {
        if (!rates.TryGetValue(key, out List<double>? list))
        {
            list = [];
            rates[key] = list;
        }

        return list;
    }

    /// <summary>Runs this program as a measuring child with exactly the setting's OpenMP variables.</summary>
    private static (double ImagesPerSecond, string LibGompRead) RunChild(Setting setting, bool quick)
    {
        string[] arguments = [ChildFlag, "--threads", setting.Threads.ToString(CultureInfo.InvariantCulture), .. quick ? new[] { "--quick" } : []];
        var environment = new Dictionary<string, string?>
        {
            [OpenMpSpinCount.SpinCountVariable] = setting.SpinCount,
            [OpenMpSpinCount.WaitPolicyVariable] = setting.WaitPolicy,
            ["OMP_DISPLAY_ENV"] = "VERBOSE",
        };
        (double imagesPerSecond, string error) = MeasuringChild.Run(setting.Name, arguments, environment);
        return (imagesPerSecond, LibGompRead(error));
    }

    /// <summary>GOMP_SPINCOUNT and OMP_WAIT_POLICY as libgomp printed them at start-up.</summary>
    public static string LibGompRead(string standardError)
    {
        string Value(string name) => Regex.Match(standardError, $@"^\s*{name} = '([^']*)'", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : "?";
        return $"{OpenMpSpinCount.SpinCountVariable} {Value(OpenMpSpinCount.SpinCountVariable)}, {OpenMpSpinCount.WaitPolicyVariable} {Value(OpenMpSpinCount.WaitPolicyVariable)}";
    }

    private static double LoadAverage() =>
        double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);

    /// <summary>Processes that keep cores busy (<c>yes</c> writing to /dev/null), ended by their ids on disposal.</summary>
    private sealed class BusyProcesses : IDisposable
    {
        private readonly List<Process> processes;

        private BusyProcesses(List<Process> processes) => this.processes = processes;

        public static BusyProcesses Start(int count)
        {
            var processes = new List<Process>();
            for (int i = 0; i < count; i++)
            {
                // exec: the shell becomes yes, so the id started here is the busy process's.
                var start = new ProcessStartInfo("/bin/sh") { ArgumentList = { "-c", "exec yes > /dev/null" } };
                processes.Add(Process.Start(start)!);
            }

            return new BusyProcesses(processes);
        }

        public void Dispose()
        {
            foreach (Process process in processes)
            {
                if (!process.HasExited)
                {
                    process.Kill();
                    process.WaitForExit();
                }

                process.Dispose();
            }
        }
    }
}

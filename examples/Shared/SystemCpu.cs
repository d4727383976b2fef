using System.Globalization;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// CPU time all processes together have spent busy, from the first line of /proc/stat (user, nice, system, irq,
/// softirq and steal ticks at 100 per second). Compared with this process's own CPU time over a benchmark, it
/// shows whether other processes competed for the cores, which slows libtorch's threads down a lot.
/// </summary>
internal static class SystemCpu
{
    private const string StatPath = "/proc/stat";
    private const double TicksPerSecond = 100;

    /// <summary>Busy CPU time of the whole machine since boot, or <see langword="null"/> where /proc is not available.</summary>
    public static TimeSpan? BusyTime()
    {
        string? line = File.Exists(StatPath) ? File.ReadLines(StatPath).FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal)) : null;
        if (line is null)
        {
            return null;
        }

        // cpu user nice system idle iowait irq softirq steal guest guest_nice
        long[] ticks = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        if (ticks.Length < 8)
        {
            return null;
        }

        long busy = ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6] + ticks[7];
        return TimeSpan.FromSeconds(busy / TicksPerSecond);
    }
}

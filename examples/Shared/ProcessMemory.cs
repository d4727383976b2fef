using System.Globalization;

namespace Microsoft.ML.Inception.Samples;

/// <summary>
/// This process's memory in MiB: resident set size now (VmRSS of /proc/self/status) and its peak (VmHWM), which
/// count native memory too (libtorch tensors, ONNX Runtime), and the .NET heap, which does not.
/// </summary>
internal static class ProcessMemory
{
    private const string StatusPath = "/proc/self/status";

    /// <summary>Resident set size now, or <see langword="null"/> where /proc is not available.</summary>
    public static double? ResidentMiB() => StatusMiB("VmRSS");

    /// <summary>Peak resident set size since the process started or since <see cref="ResetPeak"/>.</summary>
    public static double? PeakResidentMiB() => StatusMiB("VmHWM");

    /// <summary>
    /// Memory only this process decides: anonymous and shared-memory pages (the .NET, libtorch and ONNX Runtime heaps,
    /// JIT-compiled code), resident or swapped out. Unlike <see cref="ResidentMiB"/> it leaves out pages of mapped files
    /// (the native libraries' code), which the kernel drops when other processes need memory and reads back when they
    /// are next touched: memory pressure from other processes does not change it.
    /// </summary>
    public static double? PrivateMiB() =>
        StatusMiB("RssAnon") is double anonymous && StatusMiB("RssShmem") is double shared && StatusMiB("VmSwap") is double swapped
            ? anonymous + shared + swapped
            : null;

    /// <summary>Resident pages of mapped files (RssFile): the part of <see cref="ResidentMiB"/> that <see cref="PrivateMiB"/> leaves out.</summary>
    public static double? FileBackedMiB() => StatusMiB("RssFile");

    /// <summary>
    /// Resets VmHWM to the current RSS (writing 5 to /proc/self/clear_refs, Linux 4.0 and later), so the next
    /// <see cref="PeakResidentMiB"/> covers only what follows. Returns false where the kernel does not allow it.
    /// </summary>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Bytes on the .NET heap, collected garbage excluded but garbage not yet collected included.</summary>
    public static double ManagedMiB() => GC.GetTotalMemory(forceFullCollection: false) / (1024.0 * 1024.0);

    /// <summary>Memory the .NET GC has committed from the operating system (live objects, garbage and free space).</summary>
    public static double ManagedCommittedMiB() => GC.GetGCMemoryInfo().TotalCommittedBytes / (1024.0 * 1024.0);

    public static string Format(double? mib) => mib is double m ? m.ToString("F0", CultureInfo.InvariantCulture) : "n/a";

    private static double? StatusMiB(string key)
    {
        if (!File.Exists(StatusPath))
        {
            return null;
        }

        // "VmRSS:\t  123456 kB"
        string? line = File.ReadLines(StatusPath).FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        string[]? parts = line?.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return parts is { Length: >= 2 } && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb)
            ? kb / 1024.0
            : null;
    }
}

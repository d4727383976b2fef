using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Inception.Samples;

/// <summary>What the figures were measured on: CPU model, cores, ISA, clock, memory, runtime.</summary>
internal static class MachineDescription
{
    public static string Describe(int torchThreads)
    {
        string cpu = CpuInfo("model name") ?? RuntimeInformation.ProcessArchitecture.ToString();
        string flags = CpuInfo("flags") ?? string.Empty;
        string[] isa = new[] { "avx2", "fma", "avx512f", "avx512_bf16", "amx_tile" }.Where(f => flags.Split(' ').Contains(f)).ToArray();
        string clock = CpuInfo("cpu MHz") is string mhz ? $"{double.Parse(mhz, CultureInfo.InvariantCulture) / 1000:F3} GHz (/proc/cpuinfo 'cpu MHz')" : "unknown";
        string memory = MemInfoGiB("MemTotal") is double total ? $"{total:F1} GiB" : "unknown";
        return string.Join(Environment.NewLine,
            $"- CPU: {cpu}, {Environment.ProcessorCount} logical cores, ISA: {string.Join(", ", isa)}",
            $"- Clock: {clock}",
            $"- Memory: {memory}",
            $"- OS: {RuntimeInformation.OSDescription}; .NET {Environment.Version}; TorchSharp {typeof(TorchSharp.torch).Assembly.GetName().Version} (libtorch 2.10, CPU); {torchThreads} intra-op threads");
    }

    /// <summary>The version of Microsoft.ML.Inception measured, with the commit it was built from ("0.1.0+sha").</summary>
    public static string LibraryVersion() =>
        typeof(GoogLeNet).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? typeof(GoogLeNet).Assembly.GetName().Version?.ToString()
            ?? "unknown";

    /// <summary>FP32 peak in GFLOP/s assuming two 256-bit FMA units per core (AVX2: 32 FLOP per cycle).</summary>
    public static double? PeakGflops()
    {
        string? flags = CpuInfo("flags");
        string? mhz = CpuInfo("cpu MHz");
        if (flags is null || mhz is null || !flags.Split(' ').Contains("fma"))
        {
            return null;
        }

        return Environment.ProcessorCount * double.Parse(mhz, CultureInfo.InvariantCulture) / 1000 * 32;
    }

    private static string? CpuInfo(string key)
    {
        const string path = "/proc/cpuinfo";
        return File.Exists(path)
            ? File.ReadLines(path).Where(l => l.StartsWith(key, StringComparison.Ordinal) && l.Contains(':', StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim()).FirstOrDefault()
            : null;
    }

    private static double? MemInfoGiB(string key)
    {
        const string path = "/proc/meminfo";
        string? line = File.Exists(path) ? File.ReadLines(path).FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal)) : null;
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / (1024 * 1024);
    }
}

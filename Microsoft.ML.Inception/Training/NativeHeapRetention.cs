using System.Runtime.InteropServices;

namespace Microsoft.ML.Inception;

/// <summary>
/// Keeps libtorch's large temporary buffers in the C heap while <c>Fit</c> runs, instead of letting glibc map each one
/// afresh, then hands the memory back when the last <c>Fit</c> ends.
/// </summary>
/// <remarks>
/// <para>
/// libtorch allocates CPU tensors with the C library's allocator. glibc serves a request above its mmap threshold (at most
/// 32 MiB) with a fresh <c>mmap</c> and unmaps it on free, so every use of such a buffer starts with a page fault per 4 KiB
/// page. Convolutions without oneDNN (which the library turns off where oneDNN is wrong, see
/// <see cref="CpuConvolutionCheck"/>) unfold a whole batch into one such buffer at every layer, forward and backward: with
/// colour images from about 96 px these are tens of MiB, and on the project's 2-vCPU virtual machine the page faults cost
/// more than the arithmetic (training steps ran 1.8-3.6x faster without them: the full network at 224 px, width 0.5 at 128 px,
/// width 0.25 at 96 px; BENCHMARKS.md, "Intra-op threads and the native heap"). PyTorch's performance guide recommends jemalloc or tcmalloc for the same reason; a library cannot
/// choose the process's allocator, but it can tell glibc (<c>mallopt</c>) not to map large blocks separately
/// (<c>M_MMAP_MAX</c> = 0) and to keep up to <see cref="TrimThreshold"/> of freed memory at the top of the heap
/// (<c>M_TRIM_THRESHOLD</c>), so that the next step reuses pages that are already mapped.
/// </para>
/// <para>
/// The settings are process-wide. They apply from the first <c>Fit</c> that starts until the last one running ends; then
/// glibc's defaults for the two parameters come back and <c>malloc_trim(0)</c> returns the freed memory to the system, so a process that only
/// scores afterwards does not keep training's peak. Nothing is changed where the user tuned glibc's allocator
/// (<c>GLIBC_TUNABLES</c> naming <c>glibc.malloc</c>, or the <c>MALLOC_MMAP_MAX_</c>, <c>MALLOC_MMAP_THRESHOLD_</c>,
/// <c>MALLOC_TRIM_THRESHOLD_</c> variables), nor outside Linux with glibc (musl, Windows, macOS). glibc stops moving its
/// mmap threshold with the sizes freed once <c>mallopt</c> has been called, so after <c>Fit</c> it stays where it was.
/// </para>
/// </remarks>
internal static partial class NativeHeapRetention
{
    /// <summary>Freed memory glibc keeps at the top of a heap while training: enough for the largest buffers of a step.</summary>
    public const int TrimThreshold = 1 << 30;

    // glibc's mallopt parameters and its defaults for them (malloc.h; mallopt(3)).
    private const int TrimThresholdParameter = -1;
    private const int MmapMaxParameter = -4;
    private const int GlibcDefaultTrimThreshold = 128 * 1024;
    private const int GlibcDefaultMmapMax = 65536;
    private const string LibC = "libc.so.6";

    private static readonly Lock Gate = new();
    private static int active;

    /// <summary>Whether the heap settings are in force now (some <c>Fit</c> holds them).</summary>
    public static bool Retaining { get; private set; }

    /// <summary>Applies the settings for one <c>Fit</c>; disposing the result ends its share.</summary>
    public static IDisposable Enter()
    {
        lock (Gate)
        {
            if (active++ == 0)
            {
                Retaining = Applicable() && TrySet(0, TrimThreshold);
            }
        }

        return new ReleaseOnce(Leave);
    }

    /// <summary>Whether this process's allocator is glibc's and the user left its large-block settings alone.</summary>
    public static bool Applicable() => Applicable(Environment.GetEnvironmentVariable);

    /// <summary>Whether the settings apply, given the process's environment variables (testable without changing them).</summary>
    public static bool Applicable(Func<string, string?> variable)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        bool userTuned = (variable("GLIBC_TUNABLES") ?? string.Empty).Contains("glibc.malloc", StringComparison.Ordinal)
            || new[] { "MALLOC_MMAP_MAX_", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_" }.Any(v => variable(v) is not null);
        return !userTuned;
    }

    private static void Leave()
    {
        lock (Gate)
        {
            if (--active == 0 && Retaining)
            {
                TrySet(GlibcDefaultMmapMax, GlibcDefaultTrimThreshold);
                try
                {
                    Trim(0);
                }
                catch (EntryPointNotFoundException)
                {
                    // A C library with mallopt but without malloc_trim keeps the memory for the process's next use.
                }

                Retaining = false;
            }
        }
    }

    /// <summary>Sets both parameters; false where the C library is not glibc (no <c>mallopt</c>, or it refuses).</summary>
    private static bool TrySet(int mmapMax, int trimThreshold)
    {
        try
        {
            return MallocOption(MmapMaxParameter, mmapMax) == 1 && MallocOption(TrimThresholdParameter, trimThreshold) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [LibraryImport(LibC, EntryPoint = "mallopt")]
    private static partial int MallocOption(int parameter, int value);

    [LibraryImport(LibC, EntryPoint = "malloc_trim")]
    private static partial int Trim(nuint pad);
}

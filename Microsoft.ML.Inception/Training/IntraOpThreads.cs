using System.Globalization;
using TorchSharp;

namespace Microsoft.ML.Inception;

/// <summary>
/// libtorch's intra-op thread count while <c>Fit</c> trains on the CPU: <see cref="InceptionOptions.IntraOpThreads"/>, or
/// one thread for small networks, where splitting each operation between threads costs more than it gains.
/// </summary>
/// <remarks>
/// A training step of a width-reduced GoogLeNet at a small image size is thousands of operations of a few microseconds
/// each; every one split between threads pays a fork and a join, and where another process holds a core the join waits
/// for a thread that is not running. Measured side by side on the project's 2-vCPU machine (BENCHMARKS.md, "Intra-op
/// threads and the native heap" and "OpenMP"): one thread trained the main example's network (5.6 million multiply-adds
/// per image) 1.47x as fast as two on a quiet machine and 3x as fast next to two busy processes; at 21 million one thread
/// was still 1.19x faster on a quiet machine, and from 74 million (width 0.5 at 96 px, the full width at 64 px) two
/// threads were faster, 1.13-1.72x. <see cref="SingleThreadBelow"/> sits between them. The count is process-wide in libtorch: it is set
/// when a <c>Fit</c> starts and the count from before the first one comes back when the last one running ends. The choice
/// depends only on the options and the network, never on timing, so the same seed still trains the same model; a different
/// thread count sums in another order, so models trained with different counts differ in their last bits.
/// </remarks>
internal static class IntraOpThreads
{
    /// <summary>Networks below this many multiply-adds per image train on one intra-op thread unless the options say otherwise.</summary>
    public const long SingleThreadBelow = 50_000_000;

    private static readonly Lock Gate = new();
    private static int active;
    private static int before;

    /// <summary>The thread count for a run: the requested one, else one thread for a small network, else <paramref name="current"/>.</summary>
    /// <param name="requested"><see cref="InceptionOptions.IntraOpThreads"/>.</param>
    /// <param name="multiplyAddsPerImage">The network's multiply-adds for one image of the training size.</param>
    /// <param name="current">libtorch's thread count now (the physical cores unless the program set another).</param>
    public static int Choose(int? requested, long multiplyAddsPerImage, int current) =>
        requested ?? (multiplyAddsPerImage < SingleThreadBelow ? 1 : current);

    /// <summary>A line for <c>Fit</c>'s log saying how many threads train and why.</summary>
    public static string Describe(int? requested, long multiplyAddsPerImage, int threads) => requested is not null
        ? string.Create(CultureInfo.InvariantCulture, $"Training on {threads} intra-op thread(s), as {nameof(InceptionOptions.IntraOpThreads)} says.")
        : string.Create(CultureInfo.InvariantCulture,
            $"Training on {threads} intra-op thread(s): the network has {multiplyAddsPerImage / 1e6:F1} million multiply-adds per image, {(threads == 1 && multiplyAddsPerImage < SingleThreadBelow ? $"below the {SingleThreadBelow / 1_000_000} million under which one thread trains faster than several" : "so libtorch's thread count is kept")}; set {nameof(InceptionOptions.IntraOpThreads)} to choose.");

    /// <summary>Sets libtorch's thread count for one run; disposing the result ends the run's share.</summary>
    public static IDisposable Use(int threads)
    {
        lock (Gate)
        {
            if (active++ == 0)
            {
                before = torch.get_num_threads();
            }

            torch.set_num_threads(threads);
        }

        return new ReleaseOnce(Leave);
    }

    private static void Leave()
    {
        lock (Gate)
        {
            if (--active == 0)
            {
                torch.set_num_threads(before);
            }
        }
    }
}

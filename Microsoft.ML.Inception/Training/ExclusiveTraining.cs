namespace Microsoft.ML.Inception;

/// <summary>
/// One <c>Fit</c> trains at a time in a process. libtorch's default random generator, which initialises GoogLeNet's
/// weights and draws dropout, is one per process, and every Fit seeds it and draws from it: two Fits at once, on one
/// estimator or on two, would draw each other's numbers and return models that depend on the timing of the threads.
/// A Fit that starts while another trains waits for it, still stopping when it is cancelled, and then trains exactly as
/// it would have alone. The lock is reentrant, so a Fit started on the training thread itself (from a callback) runs.
/// </summary>
internal static class ExclusiveTraining
{
    private static readonly object Gate = new();

    /// <summary>How often a waiting Fit looks at its cancellation: it has no wait handle to wait on together with the lock.</summary>
    private static readonly TimeSpan CancellationCheckInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Waits until no other thread trains, then holds the process's training until the scope is disposed (on this thread).</summary>
    /// <param name="cancellation">The waiting Fit's cancellation, checked while it waits.</param>
    /// <param name="waited">Whether another Fit was training when this one arrived.</param>
    /// <exception cref="OperationCanceledException">The Fit was cancelled while it waited.</exception>
    public static Scope Enter(FitCancellation cancellation, out bool waited)
    {
        waited = false;
        while (!Monitor.TryEnter(Gate, waited ? CancellationCheckInterval : TimeSpan.Zero))
        {
            waited = true;
            cancellation.ThrowIfCancellationRequested();
        }

        return default;
    }

    /// <summary>The held lock; disposing it lets the next Fit train.</summary>
    public readonly struct Scope : IDisposable
    {
        /// <summary>Releases the lock.</summary>
        public void Dispose() => Monitor.Exit(Gate);
    }
}

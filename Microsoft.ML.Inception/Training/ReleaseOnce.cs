namespace Microsoft.ML.Inception;

/// <summary>A share of a process-wide setting held for one <c>Fit</c>: disposing it releases the share once, however often it is disposed.</summary>
internal sealed class ReleaseOnce(Action release) : IDisposable
{
    private int disposed;

    /// <summary>Releases the share the first time; later calls do nothing.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            release();
        }
    }
}

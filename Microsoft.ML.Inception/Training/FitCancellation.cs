using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception;

/// <summary>
/// The two ways a Fit is cancelled: the caller's <see cref="InceptionOptions.CancellationToken"/>, and
/// <c>MLContext.CancelExecution()</c> (what ML.NET's AutoML calls to stop a trial), which ML.NET's own trainers
/// honour by checking their host between batches.
/// </summary>
internal sealed class FitCancellation
{
    private readonly CancellationToken token;
    private readonly IHost? host;

    /// <param name="token">The caller's token.</param>
    /// <param name="host">The estimator's host in the MLContext, or null to check the token alone.</param>
    public FitCancellation(CancellationToken token, IHost? host)
    {
        this.token = token;
        this.host = host;
    }

    /// <summary>
    /// Throws when either was cancelled: for the token, <see cref="OperationCanceledException"/> carrying it; for the
    /// MLContext, the exception ML.NET's <c>CheckAlive</c> throws (<see cref="OperationCanceledException"/>,
    /// "Operation was canceled.", processed by the host).
    /// </summary>
    /// <exception cref="OperationCanceledException">The Fit was cancelled.</exception>
    public void ThrowIfCancellationRequested()
    {
        token.ThrowIfCancellationRequested();
        if (host is not null && CatalogEnvironment.IsCancelled(host))
        {
            throw host.Process(new OperationCanceledException("Operation was canceled."));
        }
    }
}

using Microsoft.Extensions.ObjectPool;
using Microsoft.ML;

namespace Microsoft.ML.Inception.Serving;

/// <summary>
/// Scores from many threads at once with one loaded model: ML.NET's <see cref="PredictionEngine{TSrc, TDst}"/> is not
/// thread-safe (one engine shared by 8 threads crashed the process natively with heap corruption), so every
/// call takes an engine of its own from a pool and gives it back. The model itself is shared: engines are cheap next to
/// it, and as many exist as calls ran at the same time (up to <c>maximumRetained</c> are kept for reuse).
/// </summary>
/// <remarks>
/// This is what <c>Microsoft.Extensions.ML</c>'s <c>PredictionEnginePool</c> does for ASP.NET Core, with the plain
/// <c>Microsoft.Extensions.ObjectPool</c> package, so it works in any program. Engines are created with
/// <c>OwnsTransformer = false</c>: an engine otherwise disposes the model with itself (dotnet/machinelearning#5945),
/// and the pool disposes the engines it drops and, when disposed, those it holds.
/// </remarks>
/// <typeparam name="TInput">The input row class.</typeparam>
/// <typeparam name="TOutput">The prediction row class.</typeparam>
internal sealed class ScoringEnginePool<TInput, TOutput> : IDisposable
    where TInput : class
    where TOutput : class, new()
{
    private readonly ObjectPool<PredictionEngine<TInput, TOutput>> engines;

    /// <summary>A pool of engines for <paramref name="model"/>.</summary>
    /// <param name="ml">The context the model was loaded with.</param>
    /// <param name="model">The model; it outlives the pool and is not disposed by it.</param>
    /// <param name="maximumRetained">How many idle engines are kept; by default twice the processor count.</param>
    public ScoringEnginePool(MLContext ml, ITransformer model, int? maximumRetained = null)
    {
        var provider = new DefaultObjectPoolProvider { MaximumRetained = maximumRetained ?? (2 * Environment.ProcessorCount) };
        engines = provider.Create(new EnginePolicy(ml, model));
    }

    /// <summary>Scores one row with an engine no other thread is using; safe to call from any number of threads.</summary>
    /// <param name="input">The row.</param>
    /// <returns>A new prediction object.</returns>
    public TOutput Predict(TInput input)
    {
        PredictionEngine<TInput, TOutput> engine = engines.Get();
        try
        {
            return engine.Predict(input);
        }
        finally
        {
            engines.Return(engine);
        }
    }

    /// <summary>Disposes the engines the pool holds (not the model).</summary>
    public void Dispose() => (engines as IDisposable)?.Dispose();

    private sealed class EnginePolicy(MLContext ml, ITransformer model) : IPooledObjectPolicy<PredictionEngine<TInput, TOutput>>
    {
        public PredictionEngine<TInput, TOutput> Create() =>
            ml.Model.CreatePredictionEngine<TInput, TOutput>(model, new PredictionEngineOptions { OwnsTransformer = false });

        // An engine keeps no state from one row to the next that another row could see.
        public bool Return(PredictionEngine<TInput, TOutput> engine) => true;
    }
}

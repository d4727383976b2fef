namespace Microsoft.ML.Inception;

/// <summary>The optimiser that updates the weights.</summary>
public enum InceptionOptimizer
{
    /// <summary>Stochastic gradient descent with momentum <see cref="InceptionOptions.Momentum"/> (the paper's choice).</summary>
    SgdMomentum,

    /// <summary>Adam with decoupled weight decay (AdamW).</summary>
    AdamW,
}

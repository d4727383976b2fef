namespace Microsoft.ML.Inception;

/// <summary>How the learning rate changes over training.</summary>
public enum InceptionLearningRateSchedule
{
    /// <summary>The learning rate stays at <see cref="InceptionOptions.LearningRate"/>.</summary>
    Constant,

    /// <summary>The paper's schedule: multiplied by 0.96 every 8 epochs.</summary>
    PaperStep,

    /// <summary>Cosine annealing from <see cref="InceptionOptions.LearningRate"/> to 0 over all batches.</summary>
    Cosine,

    /// <summary>
    /// One cycle (fastai's default): linear warm-up from a 25th of <see cref="InceptionOptions.LearningRate"/>
    /// to the full rate over the first 30% of batches, then cosine annealing to nearly 0.
    /// </summary>
    OneCycle,
}

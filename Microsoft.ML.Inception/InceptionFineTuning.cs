namespace Microsoft.ML.Inception;

/// <summary>What trains when <see cref="InceptionOptions.PretrainedWeights"/> (or <see cref="InceptionOptions.ResumeFrom"/>) gives the network its weights.</summary>
public enum InceptionFineTuning
{
    /// <summary>Every weight starts freshly initialised; no weights file is read.</summary>
    FromScratch,

    /// <summary>
    /// Every weight trains, starting from the file's; the backbone (everything but the classifiers) at
    /// <see cref="InceptionOptions.LearningRate"/> x <see cref="InceptionOptions.BackboneLearningRateFactor"/>.
    /// </summary>
    Full,

    /// <summary>
    /// Only the classifier <c>fc</c> trains; the backbone is frozen (evaluation mode, batch-norm statistics included).
    /// Its features (the globally average-pooled output of inception 5b) are computed once for every training and
    /// validation image in the first epoch and cached, so later epochs cost almost nothing, as with the bottleneck
    /// cache of ML.NET's ImageClassificationTrainer. Augmentation does not apply to cached features.
    /// </summary>
    HeadOnly,
}

using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// The warning for a training run with too few optimiser steps to learn much: small data at the default batch size
/// trains for a handful of steps (150 images, batch 64 and 5 epochs make 15), and the log then shows a training accuracy
/// the model does not reach on new images.
/// </summary>
internal static class ShortTrainingWarning
{
    /// <summary>Runs with fewer optimiser steps than this are warned about.</summary>
    public const int MinimumSteps = 200;

    /// <summary>The step count the warning's suggestion aims at: the user who reported 15 steps reached 98% with 300 (batch 16, 30 epochs).</summary>
    public const int SuggestedSteps = 300;

    /// <summary>The batch size the suggestion moves to when the batch is larger: more steps per epoch at the same cost per epoch.</summary>
    public const int SuggestedBatchSize = 16;

    /// <summary>The warning text, or null when the run has enough steps.</summary>
    /// <param name="images">Training images.</param>
    /// <param name="batchSize">The batch size training uses (already reduced to the number of images).</param>
    /// <param name="epochs">Epochs of the whole run (resumed ones included).</param>
    /// <param name="fromScratch">Whether the network starts from fresh weights, so that pretrained weights are worth suggesting.</param>
    public static string? For(int images, int batchSize, int epochs, bool fromScratch)
    {
        long stepsPerEpoch = (images + batchSize - 1) / batchSize;
        long steps = stepsPerEpoch * epochs;
        if (steps >= MinimumSteps)
        {
            return null;
        }

        int suggestedBatch = Math.Min(batchSize, SuggestedBatchSize);
        long suggestedStepsPerEpoch = (images + suggestedBatch - 1) / suggestedBatch;
        long suggestedEpochs = Math.Max(epochs, (SuggestedSteps + suggestedStepsPerEpoch - 1) / suggestedStepsPerEpoch);
        string batchAdvice = suggestedBatch < batchSize ? $"{nameof(InceptionOptions.BatchSize)} = {suggestedBatch} and " : string.Empty;
        string pretrained = fromScratch ? $", or start from pretrained weights ({nameof(InceptionOptions.PretrainedWeights)})" : string.Empty;
        return string.Create(CultureInfo.InvariantCulture,
            $"Training will take only {steps} optimizer steps ({epochs} epoch(s) of {stepsPerEpoch} batch(es) of up to {batchSize} of the {images} training images), too few for the network to learn much beyond these images: expect a training accuracy well above what the model reaches on new images. Try {batchAdvice}{nameof(InceptionOptions.Epochs)} = {suggestedEpochs} ({suggestedEpochs * suggestedStepsPerEpoch} steps){pretrained}, and hold out validation data ({nameof(InceptionOptions.ValidationFraction)}) to see how it generalizes.");
    }
}

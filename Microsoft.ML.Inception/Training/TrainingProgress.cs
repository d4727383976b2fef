using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reports training through ML.NET's progress channel, as ML.NET's trainers do: whoever polls the MLContext's
/// progress (ML.NET's console environment, a tool) sees the epoch and the batch within it with the mean loss so far,
/// and every epoch leaves a checkpoint entry with its metrics. Polling happens on another thread, so the current state
/// is one immutable snapshot replaced after each batch.
/// </summary>
internal sealed class TrainingProgress
{
    /// <summary>The channel's name in ML.NET's progress log.</summary>
    public const string ChannelName = "Training GoogLeNet";

    /// <summary>Metrics of an entry, in this order: the training loss and accuracy (of the epoch so far), then the validation loss and accuracy.</summary>
    public static readonly string[] MetricNames = ["Loss", "Accuracy", "Validation loss", "Validation accuracy"];

    /// <summary>Progress units of an entry, in this order: epochs completed, then batches completed in the current epoch.</summary>
    public static readonly string[] UnitNames = ["epochs", "batches"];

    private readonly IProgressChannel channel;
    private volatile Snapshot current = new(0, 0, 0, 0, null, null);

    public TrainingProgress(IProgressChannel channel)
    {
        this.channel = channel;
        channel.SetHeader(new ProgressHeader(MetricNames, UnitNames), Fill);
    }

    /// <summary>Training runs to epoch <paramref name="lastEpoch"/> in batches of <paramref name="batchesPerEpoch"/>, after <paramref name="epochsDone"/> (resumed) epochs.</summary>
    public void Begin(int epochsDone, int lastEpoch, int batchesPerEpoch) =>
        current = new Snapshot(epochsDone, lastEpoch, 0, batchesPerEpoch, null, null);

    /// <summary>A batch of the current epoch completed; the loss and accuracy are the epoch's means so far.</summary>
    public void BatchCompleted(int batchesDone, double meanLoss, double accuracy) =>
        current = current with { BatchesDone = batchesDone, Loss = meanLoss, Accuracy = accuracy };

    /// <summary>An epoch completed: a checkpoint entry with its metrics, and the current state moves to the next epoch.</summary>
    public void EpochCompleted(InceptionEpochMetrics metrics)
    {
        Snapshot s = current with { EpochsDone = metrics.Epoch, BatchesDone = 0, Loss = null, Accuracy = null };
        current = s;

        // Checkpoint takes the metrics, then the progress values, then their limits, in header order.
        channel.Checkpoint(
            metrics.TrainingLoss, metrics.TrainingAccuracy, metrics.ValidationLoss, metrics.ValidationAccuracy,
            metrics.Epoch, s.BatchesPerEpoch, s.LastEpoch, s.BatchesPerEpoch);
    }

    private void Fill(IProgressEntry entry)
    {
        Snapshot s = current;
        entry.SetProgress(0, s.EpochsDone, s.LastEpoch);
        entry.SetProgress(1, s.BatchesDone, s.BatchesPerEpoch);
        if (s.Loss is double loss && s.Accuracy is double accuracy)
        {
            entry.SetMetric(0, loss);
            entry.SetMetric(1, accuracy);
        }
    }

    private sealed record Snapshot(int EpochsDone, int LastEpoch, int BatchesDone, int BatchesPerEpoch, double? Loss, double? Accuracy);
}

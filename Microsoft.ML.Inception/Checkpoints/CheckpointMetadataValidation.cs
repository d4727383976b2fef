using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks every field of a checkpoint's <c>checkpoint.json</c> (<see cref="CheckpointMetadata"/>) before anything is
/// built from it: the JSON comes from a file that may have been crafted or damaged, and a network of the options it
/// names is allocated from them (five million classes would take gigabytes).
/// </summary>
internal static class CheckpointMetadataValidation
{
    /// <summary>
    /// What is wrong with <paramref name="metadata"/>, or an empty list: missing (null) fields, network options out of
    /// range, an unknown optimiser, class names other than one per class, normalisation other than one finite value per
    /// channel (standard deviations positive), an image smaller than the network accepts, and epochs completed other
    /// than the epochs whose metrics it holds.
    /// </summary>
    public static List<string> Problems(CheckpointMetadata metadata)
    {
        // Deserialisation leaves a field null when the JSON says null, whatever the property's annotation.
        var problems = new List<string>();
        foreach ((string field, object? value) in new (string, object?)[]
        {
            ("network", metadata.Network), ("classNames", metadata.ClassNames), ("mean", metadata.Mean),
            ("standardDeviation", metadata.StandardDeviation), ("history", metadata.History),
        })
        {
            if (value is null)
            {
                problems.Add($"its {field} is missing (null)");
            }
        }

        if (problems.Count > 0)
        {
            return problems;
        }

        try
        {
            metadata.Network.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            // The options' own message names every invalid one (an unknown variant, a width out of range, ...).
            problems.Add(e.Message.Split(" (Parameter", 2)[0]);
            return problems;
        }

        if (!Enum.IsDefined(metadata.Optimizer))
        {
            problems.Add(Invariant($"it names optimiser {(int)metadata.Optimizer}, which this version does not know"));
        }

        int classes = metadata.Network.NumberOfClasses;
        if (metadata.ClassNames.Count != classes)
        {
            problems.Add(Invariant($"it names {metadata.ClassNames.Count} classes for a network of {classes}"));
        }

        for (int i = 0; i < metadata.ClassNames.Count; i++)
        {
            if (metadata.ClassNames[i] is null)
            {
                problems.Add(Invariant($"class name {i} is null"));
                break;
            }
        }

        int channels = metadata.Network.InputChannels;
        Normalization(problems, "mean", metadata.Mean, channels, mustBePositive: false);
        Normalization(problems, "standardDeviation", metadata.StandardDeviation, channels, mustBePositive: true);
        if (metadata.ImageHeight < GoogLeNetOptions.MinimumImageSize || metadata.ImageWidth < GoogLeNetOptions.MinimumImageSize)
        {
            problems.Add(Invariant($"its image size {metadata.ImageWidth}x{metadata.ImageHeight} is below the {GoogLeNetOptions.MinimumImageSize}x{GoogLeNetOptions.MinimumImageSize} a GoogLeNet accepts"));
        }

        // Every epoch trained adds its metrics, numbered from 1, so the two must agree.
        if (metadata.EpochsCompleted != metadata.History.Count)
        {
            problems.Add(Invariant($"epochsCompleted is {metadata.EpochsCompleted}, but it holds the metrics of {metadata.History.Count} epoch(s)"));
        }
        else if (metadata.History.Select((m, i) => m is null || m.Epoch != i + 1).Any(wrong => wrong))
        {
            problems.Add("its history does not number the epochs 1, 2, 3, ...");
        }

        return problems;
    }

    /// <summary>
    /// What is wrong with the classifier of <paramref name="weights"/> (the tensors' names and headers) for a network of
    /// <paramref name="classes"/> classes, or <see langword="null"/>: <c>fc.weight</c> must have one row and <c>fc.bias</c>
    /// one value per class. Checked before a network of that size is built.
    /// </summary>
    public static string? ClassifierProblem(IReadOnlyDictionary<string, TensorHeader> weights, int classes, string weightsEntry)
    {
        foreach ((string name, int dimensions) in new[] { ("fc.weight", 2), ("fc.bias", 1) })
        {
            if (!weights.TryGetValue(name, out TensorHeader? tensor))
            {
                return $"its {weightsEntry} has no classifier tensor '{name}'";
            }

            if (tensor.Shape.Length != dimensions || tensor.Shape[0] != classes)
            {
                return Invariant($"it names {classes} classes, but its {weightsEntry} holds a classifier for other classes: '{name}' of shape {tensor}");
            }
        }

        return null;
    }

    private static void Normalization(List<string> problems, string field, float[] values, int channels, bool mustBePositive)
    {
        if (values.Length != channels)
        {
            problems.Add(Invariant($"it holds {values.Length} values of {field} for {channels} channel(s)"));
            return;
        }

        for (int c = 0; c < values.Length; c++)
        {
            if (!float.IsFinite(values[c]) || (mustBePositive && values[c] <= 0))
            {
                problems.Add(Invariant($"{field}[{c}] is {values[c]}, where a {(mustBePositive ? "finite positive" : "finite")} value is needed"));
            }
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// How the classes of a checkpoint map onto the label column of the data training resumes on, by name. The network's
/// classifier rows are in the checkpoint's class order, the label's keys in the data's: MapValueToKey numbers classes
/// by first occurrence, so the same images read in another order number them differently, and training on with the
/// rows as they are would teach each row another class.
/// </summary>
internal sealed class CheckpointClassMatch
{
    private CheckpointClassMatch(ClassifierRows? rows, string? note)
    {
        Rows = rows;
        Note = note;
    }

    /// <summary>The checkpoint's row of each key of the data, when the data number the classes in another order; otherwise null.</summary>
    public ClassifierRows? Rows { get; }

    /// <summary>A line for the training log about the order (reordered, or not checkable), or null when the classes match as they are.</summary>
    public string? Note { get; }

    /// <summary>Compares the checkpoint's classes with the label's key values.</summary>
    /// <param name="checkpointClasses">The checkpoint's class names, in its key order.</param>
    /// <param name="label">The label column of the data.</param>
    /// <param name="labelColumnName">The label column's name, for messages.</param>
    /// <param name="path">The checkpoint's path, for messages.</param>
    /// <exception cref="ArgumentOutOfRangeException">The data have other classes than the checkpoint (the message names the differences), or class names repeat so the order cannot be matched.</exception>
    public static CheckpointClassMatch Create(IReadOnlyList<string> checkpointClasses, LabelColumn label, string labelColumnName, string path)
    {
        var missing = checkpointClasses.Except(label.ClassNames, StringComparer.Ordinal).ToList();
        var added = label.ClassNames.Except(checkpointClasses, StringComparer.Ordinal).ToList();
        if (checkpointClasses.Count != label.ClassCount)
        {
            // Without key values the data's names are key numbers: only the count can be compared.
            string differences = label.HasKeyValues ? $" ({Differences(missing, added)})" : string.Empty;
            throw new ArgumentOutOfRangeException(
                nameof(InceptionOptions.ResumeFrom),
                string.Create(CultureInfo.InvariantCulture, $"The checkpoint '{path}' was trained on {checkpointClasses.Count} classes, but label column '{labelColumnName}' has {label.ClassCount}{differences}."));
        }

        if (!label.HasKeyValues)
        {
            return new CheckpointClassMatch(null, string.Create(CultureInfo.InvariantCulture,
                $"Label column '{labelColumnName}' has no key values (class names), so the class order of the checkpoint '{path}' could not be checked: key k is taken to be its class k ({NameList.Join(checkpointClasses)})."));
        }

        if (checkpointClasses.SequenceEqual(label.ClassNames, StringComparer.Ordinal))
        {
            return new CheckpointClassMatch(null, null);
        }

        if (missing.Count > 0 || added.Count > 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(InceptionOptions.ResumeFrom),
                $"The checkpoint '{path}' was trained on other classes than label column '{labelColumnName}' holds: {Differences(missing, added)}. Resume only on data with the checkpoint's classes, or train a new model (with {nameof(InceptionOptions.PretrainedWeights)} from its weights to keep what its backbone learnt).");
        }

        var checkpointRow = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int row = 0; row < checkpointClasses.Count; row++)
        {
            if (!checkpointRow.TryAdd(checkpointClasses[row], row))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(InceptionOptions.ResumeFrom),
                    $"The checkpoint '{path}' names class '{checkpointClasses[row]}' more than once, so its classes cannot be matched with the key values of label column '{labelColumnName}' by name.");
            }
        }

        var rows = new ClassifierRows(label.ClassNames.Select(name => checkpointRow[name]).ToArray());
        return new CheckpointClassMatch(rows, string.Create(CultureInfo.InvariantCulture,
            $"Label column '{labelColumnName}' numbers the classes of the checkpoint '{path}' in another order ({NameList.Join(label.ClassNames)}; the checkpoint: {NameList.Join(checkpointClasses)}): its classifier rows and their optimiser state are reordered to the label's key order, so each class goes on training its own row."));
    }

    private static string Differences(List<string> missing, List<string> added) =>
        string.Join("; ", new[] { (missing, "missing from the data"), (added, "new in the data") }
            .Where(d => d.Item1.Count > 0)
            .Select(d => $"{d.Item2}: {NameList.Join(d.Item1)}"));
}

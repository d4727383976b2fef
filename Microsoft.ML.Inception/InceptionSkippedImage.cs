namespace Microsoft.ML.Inception;

/// <summary>An image that <see cref="InceptionInvalidImageHandling.Skip"/> left out of training or validation.</summary>
/// <param name="Row">The row's position in its data view, from 0.</param>
/// <param name="Source">The row's value in <see cref="InceptionOptions.ImageSourceColumnName"/> (usually its path), or <see langword="null"/> when that option is not set.</param>
/// <param name="Reason">Why the image could not be read, as the image loader said it.</param>
/// <param name="InValidationSet">Whether the row came from <see cref="InceptionOptions.ValidationSet"/> rather than the training data.</param>
public sealed record InceptionSkippedImage(long Row, string? Source, string Reason, bool InValidationSet)
{
    /// <summary>The image's name for messages: its source, or its row number.</summary>
    public override string ToString() => (Source is null ? $"row {Row}" : $"'{Source}' (row {Row})") + (InValidationSet ? " of the validation set" : string.Empty) + $": {Reason}";
}

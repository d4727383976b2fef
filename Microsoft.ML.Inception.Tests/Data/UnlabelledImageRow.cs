namespace Microsoft.ML.Inception.Tests.Data;

/// <summary>An image to classify as a user scores new images: its path, and no label property at all.</summary>
public sealed class UnlabelledImageRow
{
    public string ImagePath { get; set; } = string.Empty;
}

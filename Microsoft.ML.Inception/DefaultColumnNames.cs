namespace Microsoft.ML.Inception;

/// <summary>The column names ML.NET's trainers use by default, and the image column's.</summary>
internal static class DefaultColumnNames
{
    public const string Label = "Label";
    public const string Image = "Image";
    public const string Score = "Score";
    public const string PredictedLabel = "PredictedLabel";
}

namespace Microsoft.ML.Inception;

/// <summary>Names of the ML.NET annotations used here (ML.NET's own constants for them are internal).</summary>
internal static class AnnotationKind
{
    public const string KeyValues = "KeyValues";
}

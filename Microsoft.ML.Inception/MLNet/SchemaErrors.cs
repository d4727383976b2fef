using Microsoft.ML.Data;

namespace Microsoft.ML.Inception;

/// <summary>Schema errors worded as ML.NET words them, thrown as ML.NET throws them.</summary>
internal static class SchemaErrors
{
    public static ArgumentOutOfRangeException Missing(string role, string column) =>
        new("inputSchema", $"Could not find {role} column '{column}'");

    public static ArgumentOutOfRangeException Mismatch(string role, string column, string expected, DataViewType actual) =>
        new("inputSchema", $"Schema mismatch for {role} column '{column}': expected {expected}, got {actual}");
}

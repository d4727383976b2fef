using System.Reflection;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>
/// ML.NET builds a <see cref="SchemaShape"/> from a schema with an internal factory (as its pipelines do);
/// tests of GetOutputSchema need the same.
/// </summary>
internal static class SchemaShapes
{
    private static readonly MethodInfo Create =
        typeof(SchemaShape).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static, [typeof(DataViewSchema)])!;

    public static SchemaShape From(DataViewSchema schema) => (SchemaShape)Create.Invoke(null, [schema])!;
}

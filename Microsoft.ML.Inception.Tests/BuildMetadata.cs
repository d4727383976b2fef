using System.Reflection;

namespace Microsoft.ML.Inception.Tests;

/// <summary>Paths the test project's build recorded (see the AssemblyMetadata items in the .csproj).</summary>
internal static class BuildMetadata
{
    public static string NuGetPackageRoot => Get(nameof(NuGetPackageRoot));

    public static string RepositoryRoot => Get(nameof(RepositoryRoot));

    private static string Get(string key) =>
        typeof(BuildMetadata).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}

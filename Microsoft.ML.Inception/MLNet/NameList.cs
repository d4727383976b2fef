using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>Names in an error or log message: the first few, then how many more there are.</summary>
internal static class NameList
{
    /// <summary>How many names a message lists before it counts the rest.</summary>
    public const int DefaultListed = 12;

    /// <summary>"a, b, c" or, beyond <paramref name="listed"/> names, "a, b, c and 9 more".</summary>
    public static string Join(IReadOnlyCollection<string> names, int listed = DefaultListed) =>
        string.Join(", ", names.Take(listed))
        + (names.Count > listed ? string.Create(CultureInfo.InvariantCulture, $" and {names.Count - listed} more") : string.Empty);
}

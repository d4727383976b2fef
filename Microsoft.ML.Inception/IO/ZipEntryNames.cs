using System.IO.Compression;

namespace Microsoft.ML.Inception;

/// <summary>
/// Refuses a zip archive that holds two entries of the same name. Readers disagree on which of the two counts
/// (.NET's <see cref="ZipArchive.GetEntry"/> returns the last, other tools the first), so a file that shows one content
/// to a checker and another to the loader must not be read at all.
/// </summary>
internal static class ZipEntryNames
{
    /// <summary>Throws when two entries of <paramref name="archive"/> have the same name.</summary>
    /// <param name="archive">The archive, opened for reading.</param>
    /// <param name="source">The file as the user named it, for the message.</param>
    /// <param name="what">What the file should be, as in "an Inception checkpoint".</param>
    /// <exception cref="InvalidDataException">Two entries have the same name (compared without regard to case or the kind of slash, as file systems and ML.NET's repository reader may).</exception>
    public static void RequireUnique(ZipArchive archive, string source, string what)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (ZipArchiveEntry entry in archive.Entries)
        {
            if (!seen.Add(entry.FullName.Replace('\\', '/')))
            {
                throw new InvalidDataException($"{source} is damaged or not {what}: it has two entries named '{entry.FullName}', and readers disagree on which one counts.");
            }
        }
    }
}

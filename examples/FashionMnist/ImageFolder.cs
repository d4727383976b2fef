using System.Globalization;

namespace Microsoft.ML.Inception.Samples.FashionMnist;

/// <summary>One class of a folder-per-class tree: the subfolder's name and its image files, relative to the root.</summary>
internal sealed record ImageClass(string Name, IReadOnlyList<string> Files);

/// <summary>
/// A folder-per-class tree of images (the example's <c>--data DIR</c>), scanned before anything is trained. Every
/// subfolder of the root is a class and holds its images at any depth. Files without an image extension and hidden
/// files and folders (a leading dot: <c>.DS_Store</c>, <c>.ipynb_checkpoints</c>, macOS's <c>._photo.jpg</c>) are
/// ignored. Every file with an image extension is decoded once (<see cref="InceptionImageFile.DecodesCompletely(string, long)"/>),
/// and is skipped if that fails: an empty, truncated or mislabelled file would otherwise stop <c>Fit</c> with an
/// exception that names no file, or (a JPEG cut short after its header) train as a half-grey picture, and a file whose
/// header declares more than 50 megapixels (a decompression bomb) would abort the process when LoadImages decodes it.
/// </summary>
internal sealed class ImageFolder
{
    /// <summary>File extensions taken as images (compared case-insensitively): the formats LoadImages decodes.</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>How many unreadable files the warning names before it only counts the rest.</summary>
    private const int NamedInWarning = 5;

    private ImageFolder(string root, IReadOnlyList<ImageClass> classes, IReadOnlyList<string> unreadable, IReadOnlyList<string> emptied, int ignored)
    {
        Root = root;
        Classes = classes;
        Unreadable = unreadable;
        EmptiedClasses = emptied;
        IgnoredFiles = ignored;
    }

    /// <summary>The scanned folder (full path).</summary>
    public string Root { get; }

    /// <summary>Classes with at least one readable image, in ordinal order of their names; files in ordinal order.</summary>
    public IReadOnlyList<ImageClass> Classes { get; }

    /// <summary>Files with an image extension that SkiaSharp cannot decode completely or that declare more than 50 megapixels, relative to the root.</summary>
    public IReadOnlyList<string> Unreadable { get; }

    /// <summary>Class folders whose image files were all unreadable, so they are left out.</summary>
    public IReadOnlyList<string> EmptiedClasses { get; }

    /// <summary>Visible files inside class folders whose extension is not an image extension (hidden files are not counted).</summary>
    public int IgnoredFiles { get; }

    /// <summary>Lists the class subfolders of <paramref name="root"/> and checks that every image decodes.</summary>
    /// <param name="root">An existing folder with one subfolder per class.</param>
    public static ImageFolder Scan(string root)
    {
        var candidates = new List<(string Name, List<string> Files)>();
        int ignored = 0;
        foreach (string classDirectory in Directory.EnumerateDirectories(root).Where(d => !IsHidden(d)))
        {
            var files = new List<string>();
            foreach (string file in VisibleFiles(classDirectory))
            {
                if (Extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                {
                    files.Add(Path.GetRelativePath(root, file));
                }
                else
                {
                    ignored++;
                }
            }

            candidates.Add((Path.GetFileName(classDirectory), files));
        }

        // Decoding is the slow part (one decode per image; JPEGs at 1/8 scale): both cores share it.
        HashSet<string> unreadable = candidates.SelectMany(c => c.Files)
            .AsParallel()
            .Where(f => !InceptionImageFile.DecodesCompletely(Path.Combine(root, f)))
            .ToHashSet(StringComparer.Ordinal);

        var classes = new List<ImageClass>();
        var emptied = new List<string>();
        foreach ((string name, List<string> files) in candidates.OrderBy(c => c.Name, StringComparer.Ordinal))
        {
            List<string> readable = files.Where(f => !unreadable.Contains(f)).Order(StringComparer.Ordinal).ToList();
            if (readable.Count > 0)
            {
                classes.Add(new ImageClass(name, readable));
            }
            else if (files.Count > 0)
            {
                emptied.Add(name);
            }
        }

        return new ImageFolder(root, classes, unreadable.Order(StringComparer.Ordinal).ToList(), emptied, ignored);
    }

    /// <summary>
    /// One line naming the skipped files (the first few and a count) and any class left without images, or null
    /// when nothing was skipped.
    /// </summary>
    public string? DescribeSkipped()
    {
        if (Unreadable.Count == 0)
        {
            return null;
        }

        string names = string.Join(", ", Unreadable.Take(NamedInWarning));
        string more = Unreadable.Count > NamedInWarning
            ? string.Create(CultureInfo.InvariantCulture, $" and {Unreadable.Count - NamedInWarning} more")
            : string.Empty;
        string emptied = EmptiedClasses.Count == 0
            ? string.Empty
            : $"; left out class(es) with no readable image: {string.Join(", ", EmptiedClasses)}";
        return string.Create(CultureInfo.InvariantCulture, $"skipped {Unreadable.Count} image file(s) in '{Root}' that cannot be decoded (empty, truncated, not an image or over {InceptionImageFile.DefaultMaximumPixels / 1_000_000} megapixels): {names}{more}{emptied}.");
    }

    private static IEnumerable<string> VisibleFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true })
            .Where(f => !Path.GetRelativePath(directory, f).Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')));

    private static bool IsHidden(string path) => Path.GetFileName(path).StartsWith('.');
}

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks on a path the user gave for a file: .NET's own errors for a folder given where a file belongs read "Access to
/// the path is denied" or "Is a directory", and its "Could not find file" does not say which file the library wanted.
/// </summary>
internal static class UserFile
{
    /// <summary>Throws unless <paramref name="path"/> is an existing file; <paramref name="role"/> names it ("checkpoint").</summary>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder.</exception>
    public static void RequireExisting(string path, string role)
    {
        if (Directory.Exists(path))
        {
            throw new FileNotFoundException($"'{Path.GetFullPath(path)}' is a directory; expected a {role} file.", path);
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Could not find the {role} file '{Path.GetFullPath(path)}'.", path);
        }
    }

    /// <summary>Throws when <paramref name="path"/>, a file about to be written, is a folder.</summary>
    /// <exception cref="IOException">The path is a folder.</exception>
    public static void RequireNotDirectory(string path, string role)
    {
        if (Directory.Exists(path))
        {
            throw new IOException($"'{Path.GetFullPath(path)}' is a directory; expected a {role} file to write.");
        }
    }

    /// <summary>
    /// The error to throw for <paramref name="error"/>, met while writing <paramref name="path"/> through the temporary
    /// file <paramref name="temporary"/>: of the same kind, naming the user's file instead of the temporary one.
    /// </summary>
    public static Exception WriteFailed(Exception error, string path, string temporary, string role)
    {
        string folder = Path.GetDirectoryName(path)!;
        string start = $"Could not write the {role} file '{path}'";
        return error switch
        {
            DirectoryNotFoundException => new DirectoryNotFoundException($"{start}: the folder '{folder}' does not exist.", error),
            UnauthorizedAccessException => new UnauthorizedAccessException($"{start}: access to the folder '{folder}' is denied (the file is written as a temporary file beside it and renamed, so the folder must be writable).", error),
            _ => new IOException($"{start}: {error.Message.Replace(temporary, path, StringComparison.Ordinal).TrimEnd('.')}. The previous file, if any, is intact.", error),
        };
    }
}

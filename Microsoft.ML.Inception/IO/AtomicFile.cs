namespace Microsoft.ML.Inception;

/// <summary>
/// Writes a file through a temporary file in the same folder and a rename, so a crash, a full disk or an
/// exception leaves the previous file intact and no partial file behind.
/// </summary>
/// <remarks>
/// The file stays the user's, as with ML.NET's <c>Model.Save</c>, which truncates and rewrites it in place: a symbolic
/// link is followed to its final target, which is the file replaced (the temporary file goes next to the target, so
/// the rename stays within one file system), and on Unix the new file gets the permissions of the one it replaces
/// (a private 0600 file stays private; the temporary file is created with them, so it is never more readable).
/// A rename cannot keep the previous file's owner and group: the new file belongs to the process that wrote it.
/// </remarks>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/>; <paramref name="role"/> names the file in errors ("checkpoint", "ONNX").</summary>
    public static void Write(string path, string role, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = FinalTarget(Path.GetFullPath(path));
        UserFile.RequireNotDirectory(full, role);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        UnixFileMode? mode = OperatingSystem.IsWindows() || !File.Exists(full) ? null : ExistingMode(full);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (mode is UnixFileMode created && !OperatingSystem.IsWindows())
            {
                // The owner must be able to write what it creates; the final mode is set once the content is there.
                options.UnixCreateMode = created | UnixFileMode.UserWrite;
            }

            using (var stream = new FileStream(temporary, options))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            if (mode is UnixFileMode kept && !OperatingSystem.IsWindows())
            {
                // The process's umask narrowed the mode at creation; this sets it exactly.
                File.SetUnixFileMode(temporary, kept);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch (Exception e)
        {
            DeleteIfPresent(temporary);

            // The file system's errors name the temporary file, which the user never asked for.
            if (e is IOException or UnauthorizedAccessException)
            {
                throw UserFile.WriteFailed(e, full, temporary, role);
            }

            throw;
        }
    }

    private static void DeleteIfPresent(string temporary)
    {
        try
        {
            File.Delete(temporary);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Its folder is missing or unwritable: the write failed for that reason, which is the error to report.
        }
    }

    /// <summary>The file a chain of symbolic links ends at (which need not exist yet), or <paramref name="path"/> itself when it is not a link.</summary>
    private static string FinalTarget(string path)
    {
        // LinkTarget is null for a file that is not a link and for a path where nothing exists yet.
        var file = new FileInfo(path);
        return file.LinkTarget is null ? path : file.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static UnixFileMode ExistingMode(string path) => File.GetUnixFileMode(path);
}

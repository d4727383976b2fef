namespace Microsoft.ML.Inception;

/// <summary>
/// Writes a file through a temporary file in the same folder and a rename, so a crash, a full disk or an
/// exception leaves the previous file intact and no partial file behind.
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/>; <paramref name="role"/> names the file in errors ("checkpoint", "ONNX").</summary>
    public static void Write(string path, string role, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        UserFile.RequireNotDirectory(full, role);
        string temporary = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
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
}

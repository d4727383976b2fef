using System.Collections.Concurrent;

namespace Microsoft.ML.Inception;

/// <summary>
/// The file a model's ONNX bytes live in while ML.NET's <c>ApplyOnnxModel</c> uses them: ONNX Runtime is given a path,
/// and ML.NET reads the file again whenever the model is saved, so it must exist as long as the model does. ML.NET's own
/// copy (made when it is given a stream) is never deleted, not even when the transformer is disposed; this one is
/// deleted when the model is disposed, when it is garbage collected, or at the latest when the process exits normally.
/// </summary>
internal sealed class TemporaryOnnxFile : IDisposable
{
    private static readonly ConcurrentDictionary<string, byte> Live = new(StringComparer.Ordinal);

    static TemporaryOnnxFile() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (string path in Live.Keys)
        {
            TryDelete(path);
        }
    };

    private int disposed;

    /// <summary>Writes <paramref name="onnx"/> to a new file in <paramref name="folder"/> (the MLContext's TempFilePath).</summary>
    public TemporaryOnnxFile(byte[] onnx, string folder)
    {
        Directory.CreateDirectory(folder);
        Path = System.IO.Path.Combine(folder, $"inception-{Guid.NewGuid():N}.onnx");
        Live[Path] = 0;
        try
        {
            File.WriteAllBytes(Path, onnx);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    ~TemporaryOnnxFile() => Delete();

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Deletes the file (once; later calls do nothing).</summary>
    public void Dispose()
    {
        Delete();
        GC.SuppressFinalize(this);
    }

    private void Delete()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            TryDelete(Path);
            Live.TryRemove(Path, out _);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Still open elsewhere (Windows) or already gone with its folder: nothing more to do here.
        }
    }
}

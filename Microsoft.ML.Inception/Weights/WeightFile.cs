using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Weight files on disk: the format is chosen by the extension when writing (<c>.safetensors</c>, anything else
/// TorchSharp's, except PyTorch's own extensions, which are refused: the library does not write torch.save's format, and
/// TorchSharp's under that name would look loadable to PyTorch) and recognised from the content when reading: safetensors, TorchSharp's format, or a state dict saved
/// by <c>torch.save</c> (a zip, read by <see cref="PyTorchCheckpointFormat"/> without running its pickle; the legacy
/// pre-1.6 pickle format is refused).
/// </summary>
internal static class WeightFile
{
    public const string SafeTensorsExtension = ".safetensors";

    /// <summary>The extensions PyTorch users give <c>torch.save</c> files, which the library reads but does not write.</summary>
    private static readonly string[] PyTorchExtensions = [".pth", ".pt"];

    public static WeightFileFormat FormatFor(string path) =>
        Path.GetExtension(path).Equals(SafeTensorsExtension, StringComparison.OrdinalIgnoreCase) ? WeightFileFormat.SafeTensors : WeightFileFormat.TorchSharp;

    /// <summary>Reads every tensor of a weight file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, in none of the formats (or PyTorch's legacy one), refers to a Python global a state dict does not need, or holds NaN or infinity.</exception>
    public static StoredWeights Read(string path, string role)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        UserFile.RequireExisting(path, role);
        using FileStream stream = File.OpenRead(path);
        return Read(stream, path, FormatFor(path) == WeightFileFormat.SafeTensors);
    }

    /// <summary>Reads every tensor of weight-file bytes in either format; all their floating-point values must be finite.</summary>
    public static StoredWeights Read(Stream stream, string source, bool safeTensorsExpected)
    {
        StoredWeights weights = ReadEitherFormat(stream, source, safeTensorsExpected);
        foreach ((string name, StoredTensor tensor) in weights.Tensors)
        {
            long index = FiniteValues.IndexOfFirstNonFinite(tensor.Type, tensor.Data.Span);
            if (index >= 0)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"'{source}' holds a value that is not finite (NaN or infinity) in tensor '{name}', element {index:N0} of {tensor.ShapeText}: such weights cannot be trained or scored. Was the file saved from a training run that diverged?"));
            }
        }

        return weights;
    }

    private static StoredWeights ReadEitherFormat(Stream stream, string source, bool safeTensorsExpected)
    {
        Span<byte> start = stackalloc byte[16];
        long origin = stream.Position;
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        start = start[..read];
        stream.Position = origin;
        if (safeTensorsExpected || SafeTensorsFormat.LooksLike(start, stream.Length - origin))
        {
            return SafeTensorsFormat.Read(stream, source);
        }

        if (PyTorchCheckpointFormat.LooksLike(start))
        {
            return PyTorchCheckpointFormat.Read(stream, source);
        }

        try
        {
            return TorchSharpStateDictFormat.Read(stream, source);
        }
        catch (InvalidDataException) when (PyTorchCheckpointFormat.LooksLikeLegacy(start))
        {
            throw new InvalidDataException(
                $"'{source}' looks like a PyTorch file in the legacy format (a bare pickle), which is not read here: {PyTorchCheckpointFormat.LegacyFormatAdvice}.");
        }
    }

    /// <summary>Writes tensors to a file in the format its extension names; an existing file is replaced only once the new one is complete.</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, StoredTensor>> tensors)
    {
        if (PyTorchExtensions.Contains(Path.GetExtension(path), StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException(
                $"Cannot save weights to '{path}': the library writes safetensors or TorchSharp's format, not torch.save's, and under a {Path.GetExtension(path)} name torch.load could not read it. Use a .safetensors path (PyTorch reads it with safetensors.torch.load_file) or another extension for TorchSharp's format.",
                nameof(path));
        }

        WeightFileFormat format = FormatFor(path);
        AtomicFile.Write(path, "weights", stream =>
        {
            if (format == WeightFileFormat.SafeTensors)
            {
                SafeTensorsFormat.Write(stream, tensors);
            }
            else
            {
                TorchSharpStateDictFormat.Write(stream, tensors);
            }
        });
    }
}

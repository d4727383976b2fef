using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Weight files on disk: the format is chosen by the extension when writing (<c>.safetensors</c>, anything else
/// TorchSharp's) and recognised from the content when reading. PyTorch's pickle files (<c>torch.save</c>) are refused:
/// unpickling can run arbitrary code.
/// </summary>
internal static class WeightFile
{
    public const string SafeTensorsExtension = ".safetensors";

    public static WeightFileFormat FormatFor(string path) =>
        Path.GetExtension(path).Equals(SafeTensorsExtension, StringComparison.OrdinalIgnoreCase) ? WeightFileFormat.SafeTensors : WeightFileFormat.TorchSharp;

    /// <summary>Reads every tensor of a weight file.</summary>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, a pickle, in neither format, or holds NaN or infinity.</exception>
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

        bool zip = start.StartsWith("PK\u0003\u0004"u8);
        bool pickle = start.Length >= 2 && start[0] == 0x80 && start[1] is >= 2 and <= 5;
        try
        {
            return TorchSharpStateDictFormat.Read(stream, source);
        }
        catch (InvalidDataException) when (zip || pickle)
        {
            throw new InvalidDataException(
                $"'{source}' looks like a PyTorch file written by torch.save (a {(zip ? "zip of pickles" : "pickle")}), which can run code when it is loaded and is not read here. "
                + "Save the state_dict with safetensors instead: from safetensors.torch import save_file; save_file(model.state_dict(), \"weights.safetensors\").");
        }
    }

    /// <summary>Writes tensors to a file in the format its extension names; an existing file is replaced only once the new one is complete.</summary>
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, StoredTensor>> tensors)
    {
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

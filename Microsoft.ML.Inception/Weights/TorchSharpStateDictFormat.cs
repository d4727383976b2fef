using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reads and writes TorchSharp's own state_dict format, byte for byte what <c>Module.save</c> writes and
/// <c>Module.load</c> reads: the number of entries (LEB128), then per entry its name (a .NET
/// <see cref="BinaryWriter"/> string), element type, number of dimensions and each dimension (LEB128), and the raw
/// little-endian values. A checkpoint's <c>weights.bin</c> is such a file.
/// </summary>
/// <remarks>
/// Unlike <c>Module.load</c>, the reader needs no module: it returns every tensor by name, so a file that does not fit
/// a network can be reported in full. Every count, name length and tensor size is checked against the bytes left in
/// the stream before it is allocated.
/// </remarks>
internal static class TorchSharpStateDictFormat
{
    private const int MaximumNameBytes = 4096;

    /// <summary>Reads every tensor of a TorchSharp state_dict file.</summary>
    /// <param name="stream">A seekable stream positioned at the start of the file.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">The data are not a TorchSharp state_dict; the message says why and names <paramref name="source"/>.</exception>
    public static StoredWeights Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        InvalidDataException Invalid(string why) => new($"'{source}' is not a TorchSharp weight file (Module.save): {why}");
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        long Remaining() => stream.Length - stream.Position;
        try
        {
            long count = Leb128.Read(reader);
            if (count < 0 || count > Remaining() / 3)
            {
                throw Invalid($"it declares {count} tensors in {Remaining()} bytes");
            }

            var tensors = new List<KeyValuePair<string, StoredTensor>>((int)count);
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (long i = 0; i < count; i++)
            {
                int nameLength = reader.Read7BitEncodedInt();
                if (nameLength < 0 || nameLength > MaximumNameBytes || nameLength > Remaining())
                {
                    throw Invalid($"entry {i} declares a name of {nameLength} bytes");
                }

                string name = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(reader.ReadBytes(nameLength));
                if (!names.Add(name))
                {
                    throw Invalid($"it holds tensor '{name}' twice");
                }

                long typeCode = Leb128.Read(reader);
                var type = (ScalarType)typeCode;
                if (typeCode > int.MaxValue || StoredTensor.ElementSize(type) is not int elementSize)
                {
                    throw Invalid($"tensor '{name}' has element type code {typeCode}, which this reader does not know");
                }

                long dimensions = Leb128.Read(reader);
                if (dimensions < 0 || dimensions > StoredTensor.MaximumDimensions)
                {
                    throw Invalid($"tensor '{name}' declares {dimensions} dimensions (at most {StoredTensor.MaximumDimensions})");
                }

                long[] shape = new long[dimensions];
                for (int d = 0; d < dimensions; d++)
                {
                    shape[d] = Leb128.Read(reader);
                }

                long? length = StoredTensor.ByteLength(elementSize, shape);
                if (length is not long bytes || bytes > Remaining() || bytes > Array.MaxLength)
                {
                    throw Invalid($"tensor '{name}' of type {type} and shape {StoredTensor.FormatShape(shape)} needs {(length is long l ? l + " bytes" : "more than 2^63 bytes")}, but only {Remaining()} are left in the file");
                }

                tensors.Add(KeyValuePair.Create(name, new StoredTensor(type, shape, reader.ReadBytes((int)bytes))));
            }

            if (Remaining() != 0)
            {
                throw Invalid($"{Remaining()} bytes follow its last tensor");
            }

            return new StoredWeights(WeightFileFormat.TorchSharp, tensors);
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or DecoderFallbackException)
        {
            throw Invalid($"it ends early or is damaged ({e.Message})");
        }
    }

    /// <summary>Writes tensors in TorchSharp's format, in the order given (what <c>Module.save</c> writes for the same state_dict).</summary>
    /// <param name="destination">The stream to write to.</param>
    /// <param name="tensors">Names and tensors.</param>
    public static void Write(Stream destination, IReadOnlyList<KeyValuePair<string, StoredTensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tensors);
        using var writer = new BinaryWriter(destination, Encoding.UTF8, leaveOpen: true);
        Leb128.Write(writer, tensors.Count);
        foreach ((string name, StoredTensor tensor) in tensors)
        {
            writer.Write(name);
            Leb128.Write(writer, (long)tensor.Type);
            Leb128.Write(writer, tensor.Shape.Length);
            foreach (long d in tensor.Shape)
            {
                Leb128.Write(writer, d);
            }

            writer.Write(tensor.Data.Span);
        }
    }
}

using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reads and writes safetensors files (Hugging Face's format, what <c>safetensors.torch.save_file</c> writes): an
/// 8-byte little-endian header length, a UTF-8 JSON header that maps each tensor name to its <c>dtype</c>,
/// <c>shape</c> and <c>data_offsets</c> (plus an optional <c>__metadata__</c> map of strings), then the raw
/// little-endian tensor data. Loading one never runs code.
/// </summary>
/// <remarks>
/// A file is data from anywhere, so the reader checks everything before it allocates anything of the size a file
/// declares: the header must fit in the file (and in 100 MB, the reference implementation's limit), every element
/// type must be known, every tensor's byte range must lie inside the data and be exactly as long as its element type
/// and shape require, and the ranges must cover the data without gaps or overlaps (as the reference implementation
/// demands, so a file cannot hide a second payload).
/// </remarks>
internal static class SafeTensorsFormat
{
    /// <summary>The reference implementation's limit on the JSON header.</summary>
    public const long MaximumHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private static readonly Dictionary<string, ScalarType> Types = new(StringComparer.Ordinal)
    {
        ["F64"] = ScalarType.Float64,
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["I16"] = ScalarType.Int16,
        ["I8"] = ScalarType.Int8,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Whether the first bytes of a file look like a safetensors header (a plausible length, then '{').</summary>
    public static bool LooksLike(ReadOnlySpan<byte> start, long fileLength) =>
        start.Length >= 9
        && BinaryPrimitives.ReadUInt64LittleEndian(start) is ulong n && n >= 2 && n <= (ulong)Math.Max(0, fileLength - 8)
        && start[8] == (byte)'{';

    /// <summary>Reads every tensor of a safetensors file.</summary>
    /// <param name="stream">A seekable stream positioned at the start of the file.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">The data are not a valid safetensors file; the message says why and names <paramref name="source"/>.</exception>
    public static StoredWeights Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        InvalidDataException Invalid(string why) => new($"'{source}' is not a valid safetensors file: {why}");
        long fileLength = stream.Length - stream.Position;
        if (fileLength < 8)
        {
            throw Invalid($"it has {fileLength} bytes, fewer than the 8 of the header length");
        }

        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (declared > (ulong)(fileLength - 8) || declared > MaximumHeaderBytes)
        {
            throw Invalid($"its header length is {declared} bytes, but the file has only {fileLength - 8} bytes after the length field (and headers may have at most {MaximumHeaderBytes})");
        }

        byte[] header = new byte[declared];
        stream.ReadExactly(header);
        long dataLength = fileLength - 8 - (long)declared;
        var entries = new List<(string Name, ScalarType Type, long[] Shape, long Begin, long End)>();
        try
        {
            using JsonDocument json = JsonDocument.Parse(header);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("its header is not a JSON object");
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in json.RootElement.EnumerateObject())
            {
                if (!names.Add(property.Name))
                {
                    throw Invalid($"its header names the tensor '{property.Name}' twice");
                }

                if (property.Name == MetadataKey)
                {
                    bool strings = property.Value.ValueKind == JsonValueKind.Object
                        && property.Value.EnumerateObject().All(p => p.Value.ValueKind == JsonValueKind.String);
                    if (!strings)
                    {
                        throw Invalid($"its {MetadataKey} is not a map of strings");
                    }

                    continue;
                }

                entries.Add(ReadEntry(property, dataLength, Invalid));
            }
        }
        catch (JsonException e)
        {
            throw Invalid($"its header is not valid JSON ({e.Message})");
        }
        catch (DecoderFallbackException e)
        {
            throw Invalid($"its header is not valid UTF-8 ({e.Message})");
        }

        // The byte ranges must tile the data exactly: no gaps, no overlaps, nothing after the last tensor.
        long next = 0;
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (entry.Begin != next)
            {
                throw Invalid(entry.Begin < next
                    ? $"the data of tensor '{entry.Name}' (bytes {entry.Begin}-{entry.End}) overlaps another tensor's"
                    : $"bytes {next}-{entry.Begin} of the data belong to no tensor");
            }

            next = entry.End;
        }

        if (next != dataLength)
        {
            throw Invalid($"its tensors take {next} bytes of data, but the file holds {dataLength} after the header");
        }

        if (dataLength > Array.MaxLength)
        {
            throw Invalid($"its {dataLength} bytes of tensor data are more than this reader holds in memory ({Array.MaxLength})");
        }

        byte[] data = new byte[dataLength];
        stream.ReadExactly(data);
        return new StoredWeights(
            WeightFileFormat.SafeTensors,
            entries.Select(e => KeyValuePair.Create(e.Name, new StoredTensor(e.Type, e.Shape, data.AsMemory((int)e.Begin, (int)(e.End - e.Begin))))).ToList());
    }

    /// <summary>Writes tensors as a safetensors file, in the order given, with <c>{"format": "pt"}</c> as metadata (as PyTorch's writer does).</summary>
    /// <param name="destination">The stream to write to.</param>
    /// <param name="tensors">Names and tensors.</param>
    /// <exception cref="NotSupportedException">A tensor has an element type safetensors has no name for here.</exception>
    public static void Write(Stream destination, IReadOnlyList<KeyValuePair<string, StoredTensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(tensors);
        using var header = new MemoryStream();
        using (var json = new Utf8JsonWriter(header))
        {
            json.WriteStartObject();
            json.WriteStartObject(MetadataKey);
            json.WriteString("format", "pt");
            json.WriteEndObject();
            long offset = 0;
            foreach ((string name, StoredTensor tensor) in tensors)
            {
                string type = Types.FirstOrDefault(t => t.Value == tensor.Type).Key
                    ?? throw new NotSupportedException($"Tensor '{name}' has element type {tensor.Type}, which is not written to safetensors files.");
                json.WriteStartObject(name);
                json.WriteString("dtype", type);
                json.WriteStartArray("shape");
                foreach (long d in tensor.Shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }

            json.WriteEndObject();
        }

        // Pad the header with spaces so the data start 8-byte aligned, as the reference writer does.
        while (header.Length % 8 != 0)
        {
            header.WriteByte((byte)' ');
        }

        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        destination.Write(length);
        header.Position = 0;
        header.CopyTo(destination);
        foreach ((string _, StoredTensor tensor) in tensors)
        {
            destination.Write(tensor.Data.Span);
        }
    }

    private static (string Name, ScalarType Type, long[] Shape, long Begin, long End) ReadEntry(
        JsonProperty property, long dataLength, Func<string, InvalidDataException> invalid)
    {
        string name = property.Name;
        JsonElement value = property.Value;
        if (value.ValueKind != JsonValueKind.Object
            || !value.TryGetProperty("dtype", out JsonElement dtype) || dtype.ValueKind != JsonValueKind.String
            || !value.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array
            || !value.TryGetProperty("data_offsets", out JsonElement offsets) || offsets.ValueKind != JsonValueKind.Array)
        {
            throw invalid($"the header entry of tensor '{name}' needs \"dtype\" (a string), \"shape\" and \"data_offsets\" (arrays)");
        }

        string typeName = dtype.GetString()!;
        if (!Types.TryGetValue(typeName, out ScalarType type))
        {
            throw invalid($"tensor '{name}' has dtype '{typeName}'; this reader knows {string.Join(", ", Types.Keys)}");
        }

        if (shapeElement.GetArrayLength() > StoredTensor.MaximumDimensions
            || !shapeElement.EnumerateArray().All(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long v) && v >= 0))
        {
            throw invalid($"tensor '{name}' has shape {shapeElement.GetRawText()}; a shape is at most {StoredTensor.MaximumDimensions} non-negative integers");
        }

        long[] shape = shapeElement.EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (offsets.GetArrayLength() != 2
            || !offsets.EnumerateArray().All(d => d.ValueKind == JsonValueKind.Number && d.TryGetInt64(out long v) && v >= 0))
        {
            throw invalid($"tensor '{name}' has data_offsets {offsets.GetRawText()}; expected [begin, end], two non-negative integers");
        }

        long begin = offsets[0].GetInt64();
        long end = offsets[1].GetInt64();
        if (end < begin || end > dataLength)
        {
            throw invalid($"tensor '{name}' has data_offsets [{begin}, {end}], outside the {dataLength} bytes of data after the header");
        }

        long? expected = StoredTensor.ByteLength(StoredTensor.ElementSize(type)!.Value, shape);
        if (expected != end - begin)
        {
            throw invalid($"tensor '{name}' is {typeName} of shape {StoredTensor.FormatShape(shape)}, which takes {(expected is long e ? e.ToString(CultureInfo.InvariantCulture) : "more than 2^63")} bytes, but its data_offsets span {end - begin}");
        }

        return (name, type, shape, begin, end);
    }

}

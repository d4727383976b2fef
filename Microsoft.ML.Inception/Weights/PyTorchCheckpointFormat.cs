using System.Globalization;
using System.IO.Compression;
using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reads a state dict saved by PyTorch's <c>torch.save</c> (a <c>.pth</c> or <c>.pt</c> file, as torchvision's
/// pretrained weights are published): a zip holding <c>&lt;name&gt;/data.pkl</c> (the pickled dict of tensors),
/// <c>&lt;name&gt;/data/&lt;key&gt;</c> (each storage's raw bytes), <c>&lt;name&gt;/byteorder</c> and
/// <c>&lt;name&gt;/version</c>. Nothing from the file is executed: <see cref="RestrictedUnpickler"/> accepts only the
/// globals a state dict needs and refuses any other by name.
/// </summary>
/// <remarks>
/// <para>As in <see cref="SafeTensorsFormat"/>, everything is checked before anything of a declared size is allocated:
/// the pickle's size (at most <see cref="MaximumPickleBytes"/>), each storage's element count against the byte length
/// of its archive entry and of the file, each tensor's offset, size and strides against its storage, and the total of
/// storages and tensors against what one array can hold. Views with any strides (a transposed weight, a slice) are
/// gathered into contiguous row-major tensors. The legacy format of PyTorch before 1.6 (and of
/// <c>_use_new_zipfile_serialization=False</c>) is refused with the way to re-save it.</para>
/// <para>Why not <c>TorchSharp.PyBridge</c> (1.4.4, which reads such files)? Its reader (as read at commit 121460d of
/// shaltielshmid/TorchSharp.PyBridge, which may differ in details from the 1.4.4 package) is built on Razorvine.Pickle,
/// whose unpickler does not run Python but accepts every global (unknown ones become dictionaries) and registers its
/// constructors process-wide; it allocates the element count the pickle declares times the element size, in 32-bit
/// arithmetic, without comparing it with the archive entry, reads the entry with one unchecked <c>Read</c>, and copies
/// a storage's bytes into an <c>as_strided</c> view, which does not honour offsets and strides of views. Owning this
/// reader (about 670 lines with <see cref="RestrictedUnpickler"/> and comments) costs less than auditing and working
/// around that on the path that reads files from the internet.</para>
/// </remarks>
internal static class PyTorchCheckpointFormat
{
    /// <summary>The largest <c>data.pkl</c> read; a state dict's pickle holds names and shapes only (GoogLeNet's is about 30 kB).</summary>
    public const long MaximumPickleBytes = 64_000_000;

    /// <summary>What the message for a file in PyTorch's legacy (pre-1.6) format says to do.</summary>
    public const string LegacyFormatAdvice =
        "it was saved with torch.save(..., _use_new_zipfile_serialization=False) or PyTorch < 1.6; re-save it with a current PyTorch "
        + "(torch.save(torch.load(path), new_path)), or as safetensors";

    private static readonly Dictionary<string, ScalarType> StorageTypes = new(StringComparer.Ordinal)
    {
        ["FloatStorage"] = ScalarType.Float32,
        ["DoubleStorage"] = ScalarType.Float64,
        ["HalfStorage"] = ScalarType.Float16,
        ["BFloat16Storage"] = ScalarType.BFloat16,
        ["LongStorage"] = ScalarType.Int64,
        ["IntStorage"] = ScalarType.Int32,
        ["ShortStorage"] = ScalarType.Int16,
        ["CharStorage"] = ScalarType.Int8,
        ["ByteStorage"] = ScalarType.Byte,
        ["BoolStorage"] = ScalarType.Bool,
        ["UntypedStorage"] = ScalarType.Byte,
    };

    /// <summary>Whether the first bytes of a file are those of a zip (what <c>torch.save</c> writes since PyTorch 1.6).</summary>
    public static bool LooksLike(ReadOnlySpan<byte> start) => start.StartsWith("PK\u0003\u0004"u8);

    /// <summary>Whether the first bytes of a file are a pickle's (what <c>torch.save</c> wrote before PyTorch 1.6).</summary>
    public static bool LooksLikeLegacy(ReadOnlySpan<byte> start) => start.Length >= 2 && start[0] == 0x80 && start[1] is >= 2 and <= 5;

    /// <summary>Reads every tensor of a state dict saved by <c>torch.save</c>.</summary>
    /// <param name="stream">A seekable stream positioned at the start of the file.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <exception cref="InvalidDataException">The data are not such a state dict, refer to a global a state dict does not need, or declare sizes the data do not hold; the message says why and names <paramref name="source"/>.</exception>
    public static StoredWeights Read(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        InvalidDataException Invalid(string why) => new($"'{source}' is not a PyTorch state dict this reader accepts: {why}.");
        long fileLength = stream.Length - stream.Position;
        Span<byte> start = stackalloc byte[4];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        stream.Seek(-read, SeekOrigin.Current);
        if (LooksLikeLegacy(start[..read]))
        {
            throw Invalid(LegacyFormatAdvice);
        }

        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            return Read(archive, fileLength, source, Invalid);
        }
        catch (Exception e) when (e is IOException and not FileNotFoundException or NotSupportedException)
        {
            throw Invalid($"its zip archive is damaged ({e.Message})");
        }
        catch (InvalidDataException e) when (!e.Message.StartsWith($"'{source}'", StringComparison.Ordinal))
        {
            throw Invalid($"its zip archive is damaged ({e.Message})");
        }
    }

    private static StoredWeights Read(ZipArchive archive, long fileLength, string source, Func<string, InvalidDataException> invalid)
    {
        List<ZipArchiveEntry> pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) && e.FullName.Count(c => c == '/') == 1).ToList();
        if (pickles.Count != 1)
        {
            throw invalid($"it is a zip with {pickles.Count} '<name>/data.pkl' entries; torch.save writes one");
        }

        string prefix = pickles[0].FullName[..^"data.pkl".Length];
        if (archive.GetEntry(prefix + "byteorder") is ZipArchiveEntry byteOrder && ReadText(byteOrder, invalid) is var order && order != "little")
        {
            throw invalid($"its byte order is '{order}'; this reader knows 'little' only");
        }

        if (pickles[0].Length > MaximumPickleBytes || pickles[0].Length > fileLength)
        {
            throw invalid($"its data.pkl declares {pickles[0].Length} bytes, more than a state dict needs ({MaximumPickleBytes}) or the file holds ({fileLength})");
        }

        byte[] pickle = ReadEntry(pickles[0], (int)pickles[0].Length);
        var storages = new Dictionary<string, (PickleStorage Storage, ZipArchiveEntry Entry)>(StringComparer.Ordinal);
        long storageBytes = 0;
        object Storage(PickleGlobal type, string key, long count)
        {
            ScalarType scalar = StorageTypes[type.Name];
            int elementSize = StoredTensor.ElementSize(scalar)!.Value;
            long? bytes = StoredTensor.ByteLength(elementSize, [count]);
            ZipArchiveEntry entry = archive.GetEntry($"{prefix}data/{key}") ?? throw invalid($"storage '{key}' has no entry '{prefix}data/{key}'");
            if (bytes is not long length || length != entry.Length || length > fileLength)
            {
                throw invalid($"storage '{key}' declares {count} elements of {type.Name} ({(bytes is long b ? b.ToString(CultureInfo.InvariantCulture) : "more than 2^63")} bytes), but its entry holds {entry.Length} bytes and the file {fileLength}");
            }

            if (storages.TryGetValue(key, out var known))
            {
                return known.Storage == new PickleStorage(scalar, elementSize, key, count) ? known.Storage : throw invalid($"storage '{key}' is declared twice with different types or sizes");
            }

            storageBytes += length;
            if (storageBytes > Array.MaxLength)
            {
                throw invalid($"its storages take more than {Array.MaxLength} bytes, more than this reader holds in memory");
            }

            var storage = new PickleStorage(scalar, elementSize, key, count);
            storages[key] = (storage, entry);
            return storage;
        }

        object? root = new RestrictedUnpickler(pickle, source, Storage).Load();
        if (root is not PickleDict dict)
        {
            throw invalid("its pickle is not a dict of tensors (save the model's state_dict(), not the model)");
        }

        var tensors = new List<(string Name, PickleTensor Tensor, long Bytes)>();
        long tensorBytes = 0;
        foreach ((object? key, object? value) in dict.Entries)
        {
            if (key is not string name || value is not PickleTensor tensor)
            {
                throw invalid($"its dict maps {Describe(key)} to {Describe(value)}; a state dict maps names to tensors");
            }

            long bytes = CheckView(name, tensor, invalid);
            tensorBytes += bytes;
            if (tensorBytes > Array.MaxLength)
            {
                throw invalid($"its tensors take more than {Array.MaxLength} bytes, more than this reader holds in memory");
            }

            tensors.Add((name, tensor, bytes));
        }

        var data = storages.ToDictionary(s => s.Key, s => ReadEntry(s.Value.Entry, (int)s.Value.Entry.Length), StringComparer.Ordinal);
        return new StoredWeights(
            WeightFileFormat.PyTorch,
            tensors.Select(t => KeyValuePair.Create(t.Name, new StoredTensor(t.Tensor.Storage.Type, t.Tensor.Size, Gather(t.Tensor, data[t.Tensor.Storage.Key], t.Bytes)))).ToList());
    }

    /// <summary>Checks a view against its storage and returns the bytes of its contiguous copy.</summary>
    private static long CheckView(string name, PickleTensor tensor, Func<string, InvalidDataException> invalid)
    {
        string view = $"tensor '{name}' (size {StoredTensor.FormatShape(tensor.Size)}, stride {StoredTensor.FormatShape(tensor.Stride)}, offset {tensor.Offset})";
        if (tensor.Size.Length != tensor.Stride.Length || tensor.Offset < 0 || tensor.Stride.Any(s => s < 0)
            || StoredTensor.ByteLength(tensor.Storage.ElementSize, tensor.Size) is not long bytes)
        {
            throw invalid($"{view} is not a valid view");
        }

        if (bytes == 0)
        {
            return 0;
        }

        try
        {
            long last = tensor.Offset;
            for (int d = 0; d < tensor.Size.Length; d++)
            {
                last = checked(last + ((tensor.Size[d] - 1) * tensor.Stride[d]));
            }

            if (last < tensor.Storage.ElementCount)
            {
                return bytes;
            }
        }
        catch (OverflowException)
        {
        }

        throw invalid($"{view} reaches past the {tensor.Storage.ElementCount} elements of storage '{tensor.Storage.Key}'");
    }

    /// <summary>The view's elements in row-major order: the storage's own bytes when the view is contiguous, else a copy gathered by strides.</summary>
    private static ReadOnlyMemory<byte> Gather(PickleTensor tensor, byte[] storage, long bytes)
    {
        if (bytes == 0)
        {
            // An empty view's offset is never dereferenced, so it need not lie inside the storage.
            return ReadOnlyMemory<byte>.Empty;
        }

        int size = tensor.Storage.ElementSize;
        int rank = tensor.Size.Length;
        bool contiguous = true;
        long expected = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            contiguous &= tensor.Size[d] == 1 || tensor.Stride[d] == expected;
            expected *= tensor.Size[d];
        }

        if (contiguous)
        {
            return storage.AsMemory((int)(tensor.Offset * size), (int)bytes);
        }

        var result = new byte[bytes];
        var index = new long[rank];
        long source = tensor.Offset;
        for (long at = 0; at < bytes; at += size)
        {
            Buffer.BlockCopy(storage, (int)(source * size), result, (int)at, size);
            for (int d = rank - 1; d >= 0; d--)
            {
                source += tensor.Stride[d];
                if (++index[d] < tensor.Size[d])
                {
                    break;
                }

                source -= tensor.Stride[d] * index[d];
                index[d] = 0;
            }
        }

        return result;
    }

    private static byte[] ReadEntry(ZipArchiveEntry entry, int length)
    {
        byte[] bytes = new byte[length];
        using Stream content = entry.Open();
        content.ReadExactly(bytes);
        return bytes;
    }

    private static string ReadText(ZipArchiveEntry entry, Func<string, InvalidDataException> invalid) =>
        entry.Length <= 16 ? Encoding.ASCII.GetString(ReadEntry(entry, (int)entry.Length)).Trim() : throw invalid($"its '{entry.FullName}' entry has {entry.Length} bytes");

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        PickleTensor => "a tensor",
        _ => value.GetType().Name,
    };
}

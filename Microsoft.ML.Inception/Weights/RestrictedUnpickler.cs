using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reads the pickle a PyTorch state dict is saved as (<c>data.pkl</c> in <c>torch.save</c>'s zip) into plain .NET
/// values, without running anything: it knows the opcodes of pickle protocols 2 to 4 that <c>torch.save</c> emits, turns
/// each global into a <see cref="PickleGlobal"/> only when it is on a short allow-list, and "calls" (REDUCE) only the
/// handful of callables a state dict needs, by building the value they would return.
/// </summary>
/// <remarks>
/// Python's unpickler imports whatever module a GLOBAL names and calls whatever REDUCE is given; that is how a pickle
/// runs code. Here a global not on the list is refused with its name, before anything after it is read. Every length is
/// checked against the bytes left, the stack and memo can only hold what the pickle's own bytes describe, and nesting is
/// never walked recursively while reading.
/// </remarks>
internal sealed class RestrictedUnpickler
{
    private static readonly HashSet<string> StorageTypes = new(StringComparer.Ordinal)
    {
        "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage", "IntStorage",
        "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage", "UntypedStorage",
    };

    private static readonly object Mark = new();

    private readonly byte[] data;
    private readonly string source;
    private readonly Func<PickleGlobal, string, long, object> persistentLoad;
    private readonly List<object?> stack = [];
    private readonly Stack<int> marks = new();
    private readonly Dictionary<long, object?> memo = [];
    private int position;

    /// <param name="data">The pickle's bytes.</param>
    /// <param name="source">The file's name, for error messages.</param>
    /// <param name="persistentLoad">
    /// Called for each <c>('storage', storage type, key, location, element count)</c> persistent id with the storage
    /// type, the key (digits only, so it cannot name a path) and the element count; its result stands for the storage.
    /// </param>
    public RestrictedUnpickler(byte[] data, string source, Func<PickleGlobal, string, long, object> persistentLoad)
    {
        this.data = data;
        this.source = source;
        this.persistentLoad = persistentLoad;
    }

    /// <summary>Whether a global may appear in a state dict's pickle.</summary>
    public static bool IsAllowed(string module, string name) => (module, name) switch
    {
        ("collections", "OrderedDict") => true,
        ("torch._utils", "_rebuild_tensor_v2" or "_rebuild_parameter") => true,
        ("torch", _) => StorageTypes.Contains(name),
        ("torch.storage", "UntypedStorage") => true,
        _ => false,
    };

    /// <summary>Reads the pickle up to its STOP and returns the value it describes.</summary>
    /// <exception cref="InvalidDataException">An opcode, global or call a state dict does not need, or a damaged pickle; the message names the file.</exception>
    public object? Load()
    {
        while (true)
        {
            if (position >= data.Length)
            {
                throw Invalid("it ends without a STOP opcode");
            }

            byte opcode = data[position++];
            switch (opcode)
            {
                case 0x80: // PROTO
                    byte protocol = ReadByte();
                    if (protocol is < 2 or > 5)
                    {
                        throw Invalid($"it uses pickle protocol {protocol}; torch.save writes protocol 2");
                    }

                    break;
                case 0x95: // FRAME: a hint for buffered readers; the frame's bytes follow as ordinary opcodes.
                    ReadSpan(8);
                    break;
                case (byte)'.': // STOP
                    if (stack.Count != 1 || marks.Count != 0)
                    {
                        throw Invalid($"it stops with {stack.Count} values on the stack");
                    }

                    return stack[0];
                case (byte)'(':
                    marks.Push(stack.Count);
                    stack.Add(Mark);
                    break;
                case (byte)'}':
                    stack.Add(new PickleDict());
                    break;
                case (byte)']':
                    stack.Add(new List<object?>());
                    break;
                case (byte)')':
                    stack.Add(Array.Empty<object?>());
                    break;
                case (byte)'N':
                    stack.Add(null);
                    break;
                case 0x88:
                    stack.Add(true);
                    break;
                case 0x89:
                    stack.Add(false);
                    break;
                case (byte)'K': // BININT1
                    stack.Add((long)ReadByte());
                    break;
                case (byte)'M': // BININT2
                    stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(ReadSpan(2)));
                    break;
                case (byte)'J': // BININT
                    stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(ReadSpan(4)));
                    break;
                case 0x8A: // LONG1
                    int longLength = ReadByte();
                    if (longLength > 8)
                    {
                        throw Invalid($"it holds a {longLength}-byte integer; a state dict needs at most 8");
                    }

                    stack.Add((long)new BigInteger(ReadSpan(longLength), isUnsigned: false, isBigEndian: false));
                    break;
                case (byte)'G': // BINFLOAT
                    stack.Add(BinaryPrimitives.ReadDoubleBigEndian(ReadSpan(8)));
                    break;
                case (byte)'X': // BINUNICODE
                    stack.Add(ReadString(BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))));
                    break;
                case 0x8C: // SHORT_BINUNICODE
                    stack.Add(ReadString(ReadByte()));
                    break;
                case (byte)'q': // BINPUT
                    memo[ReadByte()] = Peek();
                    break;
                case (byte)'r': // LONG_BINPUT
                    memo[BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))] = Peek();
                    break;
                case 0x94: // MEMOIZE
                    memo[memo.Count] = Peek();
                    break;
                case (byte)'h': // BINGET
                    stack.Add(FromMemo(ReadByte()));
                    break;
                case (byte)'j': // LONG_BINGET
                    stack.Add(FromMemo(BinaryPrimitives.ReadUInt32LittleEndian(ReadSpan(4))));
                    break;
                case (byte)'c': // GLOBAL
                    stack.Add(Global(ReadLine(), ReadLine()));
                    break;
                case 0x93: // STACK_GLOBAL
                    object? globalName = Pop();
                    object? globalModule = Pop();
                    if (globalModule is not string m || globalName is not string n)
                    {
                        throw Invalid("a STACK_GLOBAL opcode is not given two strings");
                    }

                    stack.Add(Global(m, n));
                    break;
                case (byte)'t':
                    stack.Add(PopToMark().ToArray());
                    break;
                case 0x85:
                    stack.Add(new[] { Pop() });
                    break;
                case 0x86:
                    object? b2 = Pop();
                    stack.Add(new[] { Pop(), b2 });
                    break;
                case 0x87:
                    object? c3 = Pop();
                    object? b3 = Pop();
                    stack.Add(new[] { Pop(), b3, c3 });
                    break;
                case (byte)'a': // APPEND
                    object? item = Pop();
                    AsList(Peek()).Add(item);
                    break;
                case (byte)'e': // APPENDS
                    List<object?> items = PopToMark();
                    AsList(Peek()).AddRange(items);
                    break;
                case (byte)'s': // SETITEM
                    object? value = Pop();
                    object? key = Pop();
                    AsDict(Peek()).Set(key, value);
                    break;
                case (byte)'u': // SETITEMS
                    List<object?> pairs = PopToMark();
                    if (pairs.Count % 2 != 0)
                    {
                        throw Invalid("a SETITEMS opcode is given an odd number of values");
                    }

                    PickleDict dict = AsDict(Peek());
                    for (int i = 0; i < pairs.Count; i += 2)
                    {
                        dict.Set(pairs[i], pairs[i + 1]);
                    }

                    break;
                case (byte)'Q': // BINPERSID
                    stack.Add(PersistentLoad(Pop()));
                    break;
                case (byte)'R': // REDUCE
                    object? arguments = Pop();
                    object? callable = Pop();
                    stack.Add(Reduce(callable, arguments));
                    break;
                case (byte)'b': // BUILD
                    object? state = Pop();
                    if (Peek() is not PickleDict { IsOrderedDict: true } || state is not PickleDict)
                    {
                        throw Invalid("a BUILD opcode sets the state of something other than an OrderedDict");
                    }

                    // The state of a state dict is its _metadata (module versions), which loading does not need.
                    break;
                default:
                    throw Invalid($"it holds pickle opcode 0x{opcode:X2} at byte {position - 1}, which a state dict saved by torch.save does not need");
            }
        }
    }

    private InvalidDataException Invalid(string why) => new($"'{source}' is not a PyTorch state dict this reader accepts: {why}.");

    private PickleGlobal Global(string module, string name) =>
        IsAllowed(module, name)
            ? new PickleGlobal(module, name)
            : throw new InvalidDataException(
                $"'{source}' refers to the Python global '{module}.{name}', which is not part of a state dict: a pickle's globals can run code when loaded, and only collections.OrderedDict, torch's tensor rebuild functions and storage types are accepted. Nothing was executed; save only the model's state_dict (torch.save(model.state_dict(), path)) or convert it to safetensors.");

    private object PersistentLoad(object? id)
    {
        if (id is not object?[] { Length: 5 } tuple || tuple[0] is not "storage" || tuple[1] is not PickleGlobal type
            || !StorageTypes.Contains(type.Name) || tuple[2] is not string key || tuple[4] is not long count)
        {
            throw Invalid("a persistent id is not ('storage', storage type, key, location, element count)");
        }

        if (key.Length is 0 or > 20 || !key.All(char.IsAsciiDigit))
        {
            throw Invalid($"storage key '{key}' is not a number");
        }

        return persistentLoad(type, key, count);
    }

    private object Reduce(object? callable, object? arguments)
    {
        if (callable is not PickleGlobal function || arguments is not object?[] args)
        {
            throw Invalid("a REDUCE opcode calls something other than an accepted global with a tuple of arguments");
        }

        switch (function.Name)
        {
            case "OrderedDict" when args.Length == 0:
                return new PickleDict { IsOrderedDict = true };
            case "_rebuild_tensor_v2" when args.Length is 6 or 7:
                if (args[0] is not PickleStorage storage || args[1] is not long offset
                    || args[2] is not object?[] size || args[3] is not object?[] stride)
                {
                    throw Invalid("_rebuild_tensor_v2 is not given (storage, offset, size, stride, ...)");
                }

                return new PickleTensor(storage, offset, Longs(size, "size"), Longs(stride, "stride"));
            case "_rebuild_parameter" when args.Length == 3 && args[0] is PickleTensor tensor:
                return tensor;
            default:
                throw Invalid($"it calls {function.Module}.{function.Name} with {args.Length} arguments, which a state dict does not do");
        }
    }

    private long[] Longs(object?[] values, string what)
    {
        if (values.Length > StoredTensor.MaximumDimensions || !values.All(v => v is long))
        {
            throw Invalid($"a tensor's {what} is not a tuple of at most {StoredTensor.MaximumDimensions} integers");
        }

        return values.Select(v => (long)v!).ToArray();
    }

    private byte ReadByte() => ReadSpan(1)[0];

    private ReadOnlySpan<byte> ReadSpan(long length)
    {
        if (length > data.Length - position)
        {
            throw Invalid($"an opcode at byte {position} declares {length} bytes, but only {data.Length - position} are left");
        }

        ReadOnlySpan<byte> span = data.AsSpan(position, (int)length);
        position += (int)length;
        return span;
    }

    private string ReadString(long length)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(ReadSpan(length));
        }
        catch (DecoderFallbackException)
        {
            throw Invalid($"a string before byte {position} is not valid UTF-8");
        }
    }

    private string ReadLine()
    {
        int end = Array.IndexOf(data, (byte)'\n', position, Math.Min(256, data.Length - position));
        if (end < 0)
        {
            throw Invalid($"a GLOBAL opcode's name at byte {position} does not end within 256 bytes");
        }

        string line = Encoding.ASCII.GetString(data, position, end - position);
        position = end + 1;
        return line;
    }

    private object? Peek() =>
        stack.Count > 0 && !ReferenceEquals(stack[^1], Mark) ? stack[^1] : throw Invalid($"an opcode before byte {position} finds no value on the stack");

    private object? Pop()
    {
        object? value = Peek();
        stack.RemoveAt(stack.Count - 1);
        return value;
    }

    private List<object?> PopToMark()
    {
        if (marks.Count == 0)
        {
            throw Invalid($"an opcode before byte {position} needs a MARK that is not there");
        }

        int mark = marks.Pop();
        List<object?> items = stack.GetRange(mark + 1, stack.Count - mark - 1);
        stack.RemoveRange(mark, stack.Count - mark);
        return items;
    }

    private object? FromMemo(long key) =>
        memo.TryGetValue(key, out object? value) ? value : throw Invalid($"it refers to memo entry {key}, which was never stored");

    private List<object?> AsList(object? value) => value as List<object?> ?? throw Invalid("APPEND is used on something other than a list");

    private PickleDict AsDict(object? value) => value as PickleDict ?? throw Invalid("SETITEM is used on something other than a dict");
}

/// <summary>An allowed Python global, by module and name.</summary>
internal sealed record PickleGlobal(string Module, string Name);

/// <summary>A storage of a PyTorch checkpoint: its element type, the archive entry holding it, and its element count.</summary>
internal sealed record PickleStorage(TorchSharp.torch.ScalarType Type, int ElementSize, string Key, long ElementCount);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> describes: a strided view of a storage.</summary>
internal sealed record PickleTensor(PickleStorage Storage, long Offset, long[] Size, long[] Stride);

/// <summary>A Python dict or OrderedDict, keeping the order entries were set in.</summary>
internal sealed class PickleDict
{
    private readonly Dictionary<object, int> index = [];

    public bool IsOrderedDict { get; init; }

    public List<KeyValuePair<object?, object?>> Entries { get; } = [];

    public void Set(object? key, object? value)
    {
        object k = key ?? DBNull.Value;
        if (k is not (string or long or bool or DBNull))
        {
            // Keys of another kind (tuples, tensors) are kept but cannot replace an earlier entry.
            Entries.Add(KeyValuePair.Create(key, value));
            return;
        }

        if (index.TryGetValue(k, out int at))
        {
            Entries[at] = KeyValuePair.Create(key, value);
        }
        else
        {
            index[k] = Entries.Count;
            Entries.Add(KeyValuePair.Create(key, value));
        }
    }
}

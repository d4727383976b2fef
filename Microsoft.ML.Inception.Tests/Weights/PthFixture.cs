using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Microsoft.ML.Inception.Tests.Weights;

/// <summary>
/// Writes <c>.pth</c> files the way <c>torch.save(state_dict, path)</c> lays them out (pickle protocol 2, a stored zip
/// with <c>archive/data.pkl</c>, <c>archive/data/&lt;key&gt;</c>, <c>archive/byteorder</c>, <c>archive/version</c>),
/// so the reader can be tested on a machine without Python; <see cref="Pickle"/> crafts hostile pickles opcode by opcode.
/// </summary>
internal static class PthFixture
{
    /// <summary>One tensor of a state dict: a view (offset, size, stride) of storage <paramref name="Key"/>.</summary>
    public sealed record View(string Name, string Key, long Offset, long[] Size, long[] Stride, bool Parameter = false);

    /// <summary>One storage: its type's name (FloatStorage ...), its declared element count and its bytes.</summary>
    public sealed record Storage(string Key, string Type, long ElementCount, byte[] Bytes);

    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>The data.pkl torch.save writes for an OrderedDict of these views (with its <c>_metadata</c> state).</summary>
    public static byte[] StateDictPickle(IReadOnlyList<View> views, IReadOnlyList<Storage> storages)
    {
        var p = new Pickle();
        p.Proto(2).Global("collections", "OrderedDict").Put().Op(')').Op('R').Put().Op('(');
        var written = new HashSet<string>();
        foreach (View v in views)
        {
            Storage s = storages.Single(s => s.Key == v.Key);
            p.Unicode(v.Name).Put();
            if (v.Parameter)
            {
                // torch.save of an nn.Parameter: _rebuild_parameter(tensor, requires_grad, OrderedDict()).
                p.Global("torch._utils", "_rebuild_parameter").Put();
            }

            p.Global("torch._utils", "_rebuild_tensor_v2").Put().Op('(');
            p.Op('(').Unicode("storage").Put().Global("torch", s.Type).Put().Unicode(s.Key).Put().Unicode("cpu").Put().Int(s.ElementCount).Op('t').Put().Op('Q');
            written.Add(v.Key);
            p.Int(v.Offset).Tuple(v.Size).Tuple(v.Stride).Op(0x89).Global("collections", "OrderedDict").Put().Op(')').Op('R').Put().Op('t').Put().Op('R').Put();
            if (v.Parameter)
            {
                p.Op(0x88).Global("collections", "OrderedDict").Put().Op(')').Op('R').Put().Op(0x87).Put().Op('R').Put();
            }
        }

        p.Op('u');
        // state: {'_metadata': OrderedDict([('', {'version': 1})])}, then BUILD, as torch.save writes a module's state_dict.
        p.Op('}').Put().Unicode("_metadata").Put().Global("collections", "OrderedDict").Put().Op(')').Op('R').Put()
            .Unicode(string.Empty).Put().Op('}').Put().Unicode("version").Put().Int(1).Op('s').Op('s').Op('s').Op('b').Op('.');
        return p.ToArray();
    }

    /// <summary>The zip torch.save writes around a pickle and its storages.</summary>
    public static byte[] Zip(byte[] pickle, IEnumerable<Storage> storages)
    {
        using var file = new MemoryStream();
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            void Add(string name, byte[] content)
            {
                using Stream s = zip.CreateEntry("archive/" + name, CompressionLevel.NoCompression).Open();
                s.Write(content);
            }

            Add("data.pkl", pickle);
            Add("byteorder", "little"u8.ToArray());
            foreach (Storage s in storages)
            {
                Add("data/" + s.Key, s.Bytes);
            }

            Add("version", "3\n"u8.ToArray());
        }

        return file.ToArray();
    }

    public static byte[] Pth(IReadOnlyList<View> views, IReadOnlyList<Storage> storages) => Zip(StateDictPickle(views, storages), storages);

    /// <summary>A .pth of named tensors (a state dict), one contiguous storage per tensor, as torch.save writes it.</summary>
    public static byte[] PthOf(IEnumerable<KeyValuePair<string, StoredTensor>> tensors)
    {
        var views = new List<View>();
        var storages = new List<Storage>();
        foreach ((string name, StoredTensor stored) in tensors)
        {
            string key = storages.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            string type = stored.Type == TorchSharp.torch.ScalarType.Int64 ? "LongStorage" : "FloatStorage";
            storages.Add(new Storage(key, type, stored.ElementCount, stored.Data.ToArray()));
            long[] stride = new long[stored.Shape.Length];
            for (long d = stored.Shape.Length - 1, s = 1; d >= 0; s *= stored.Shape[d], d--)
            {
                stride[d] = s;
            }

            views.Add(new View(name, key, 0, stored.Shape, stride));
        }

        return Pth(views, storages);
    }

    /// <summary>Pickle opcodes, written as Python's pickler (protocol 2) writes them.</summary>
    public sealed class Pickle
    {
        private readonly MemoryStream bytes = new();
        private int memo;

        public Pickle Op(char opcode) => Op((byte)opcode);

        public Pickle Op(byte opcode)
        {
            bytes.WriteByte(opcode);
            return this;
        }

        public Pickle Proto(byte version) => Op(0x80).Op(version);

        public Pickle Put() => Op('q').Op((byte)memo++);

        public Pickle Global(string module, string name)
        {
            Op('c');
            bytes.Write(Encoding.ASCII.GetBytes($"{module}\n{name}\n"));
            return this;
        }

        public Pickle Unicode(string text)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(text);
            Op('X');
            Span<byte> length = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(length, utf8.Length);
            bytes.Write(length);
            bytes.Write(utf8);
            return this;
        }

        public Pickle Int(long value)
        {
            if (value is >= 0 and < 256)
            {
                return Op('K').Op((byte)value);
            }

            if (value is >= 0 and < 65536)
            {
                Op('M');
                bytes.Write(BitConverter.GetBytes((ushort)value));
                return this;
            }

            if (value is >= int.MinValue and <= int.MaxValue)
            {
                Op('J');
                bytes.Write(BitConverter.GetBytes((int)value));
                return this;
            }

            // LONG1: the shortest little-endian two's complement, as Python writes it.
            byte[] full = BitConverter.GetBytes(value);
            int n = 8;
            while (n > 1 && full[n - 1] == (value < 0 ? 0xFF : 0) && ((full[n - 2] & 0x80) != 0) == (value < 0))
            {
                n--;
            }

            Op(0x8A).Op((byte)n);
            bytes.Write(full, 0, n);
            return this;
        }

        public Pickle Tuple(long[] values)
        {
            if (values.Length == 0)
            {
                return Op(')');
            }

            if (values.Length > 3)
            {
                Op('(');
            }

            foreach (long v in values)
            {
                Int(v);
            }

            return (values.Length switch { 1 => Op(0x85), 2 => Op(0x86), 3 => Op(0x87), _ => Op('t') }).Put();
        }

        public byte[] ToArray() => bytes.ToArray();
    }
}

using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Weights;

/// <summary>safetensors files round-trip exactly, follow the published layout, and crafted ones fail clearly before allocating what they declare.</summary>
[TestClass]
public sealed class SafeTensorsFormatTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-safetensors-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void WriteThenRead_EveryElementType_GivesIdenticalTensors()
    {
        torch.random.manual_seed(1);
        var tensors = new List<KeyValuePair<string, StoredTensor>>
        {
            Entry("conv.weight", torch.randn(4, 3, 3, 3)),
            Entry("half", torch.randn(5).to(ScalarType.Float16)),
            Entry("brain", torch.randn(2, 2).to(ScalarType.BFloat16)),
            Entry("double", torch.randn(3).to(ScalarType.Float64)),
            Entry("bn.num_batches_tracked", torch.tensor(42L)),
            Entry("bytes", torch.arange(7).to(ScalarType.Byte)),
            Entry("empty", torch.zeros(0, 4)),
        };
        string path = Path.Combine(folder, "round-trip.safetensors");

        WeightFile.Write(path, tensors);
        StoredWeights read = WeightFile.Read(path, "weights");

        Assert.AreEqual(WeightFileFormat.SafeTensors, read.Format);
        CollectionAssert.AreEqual(tensors.Select(t => t.Key).ToList(), read.Names.ToList());
        foreach ((string name, StoredTensor written) in tensors)
        {
            Assert.IsTrue(read.TryGet(name, out StoredTensor back));
            Assert.AreEqual(written.Type, back.Type, name);
            CollectionAssert.AreEqual(written.Shape, back.Shape, name);
            CollectionAssert.AreEqual(written.Data.ToArray(), back.Data.ToArray(), name);
        }
    }

    [TestMethod]
    public void Write_FollowsThePublishedLayout()
    {
        var tensors = new List<KeyValuePair<string, StoredTensor>> { Entry("a", torch.tensor(new[] { 1f, 2f })) };
        using var stream = new MemoryStream();

        SafeTensorsFormat.Write(stream, tensors);
        byte[] bytes = stream.ToArray();
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLength);

        Assert.AreEqual(0, headerLength % 8, "The data start 8-byte aligned, as the reference writer pads them.");
        Assert.AreEqual("{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header.TrimEnd(' '));
        CollectionAssert.AreEqual(new byte[] { 0, 0, 0x80, 0x3F, 0, 0, 0, 0x40 }, bytes[(8 + (int)headerLength)..]);
    }

    [TestMethod]
    public void Read_HeaderLengthBeyondTheFile_FailsNamingTheFileWithoutAllocatingIt()
    {
        string path = Write("huge-header.safetensors", LengthPrefixed(1L << 40, "{}"));

        (InvalidDataException e, long allocated) = ReadFailing(path);

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "its header length is 1099511627776 bytes, but the file has only 2 bytes after the length field");
        Assert.IsLessThan(1L << 20, allocated);
    }

    [TestMethod]
    public void Read_DataOffsetsOutsideTheData_FailsNamingTheTensor()
    {
        string path = Write("offsets.safetensors", SafeTensorsBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", dataBytes: 4));

        (InvalidDataException e, _) = ReadFailing(path);

        StringAssert.Contains(e.Message, path);
        StringAssert.Contains(e.Message, "tensor 'w' has data_offsets [0, 8], outside the 4 bytes of data after the header");
    }

    [TestMethod]
    public void Read_ShapeThatNeedsOtherByteCount_FailsWithoutAllocatingTheShape()
    {
        string path = Write("shape.safetensors", SafeTensorsBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824],\"data_offsets\":[0,8]}}", dataBytes: 8));

        (InvalidDataException e, long allocated) = ReadFailing(path);

        StringAssert.Contains(e.Message, "tensor 'w' is F32 of shape [1073741824, 1073741824], which takes 4611686018427387904 bytes, but its data_offsets span 8");
        Assert.IsLessThan(1L << 20, allocated);
    }

    [TestMethod]
    public void Read_BytesThatBelongToNoTensor_Fail()
    {
        string path = Write("gap.safetensors", SafeTensorsBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", dataBytes: 8));

        (InvalidDataException e, _) = ReadFailing(path);

        StringAssert.Contains(e.Message, "bytes 0-4 of the data belong to no tensor");
    }

    [TestMethod]
    public void Read_UnknownElementType_NamesIt()
    {
        string path = Write("complex.safetensors", SafeTensorsBytes("{\"w\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", dataBytes: 8));

        (InvalidDataException e, _) = ReadFailing(path);

        StringAssert.Contains(e.Message, "tensor 'w' has dtype 'C64'");
    }

    [TestMethod]
    public void Read_HeaderThatIsNotJson_SaysSo()
    {
        string path = Write("not-json.safetensors", SafeTensorsBytes("{not json at all}", dataBytes: 0));

        (InvalidDataException e, _) = ReadFailing(path);

        StringAssert.Contains(e.Message, "is not a valid safetensors file: its header is not valid JSON");
    }

    private static KeyValuePair<string, StoredTensor> Entry(string name, Tensor tensor)
    {
        using (tensor)
        {
            return KeyValuePair.Create(name, StoredTensor.From(tensor));
        }
    }

    private static (InvalidDataException Error, long Allocated) ReadFailing(string path)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => WeightFile.Read(path, "weights"));
        return (e, GC.GetTotalAllocatedBytes(precise: true) - before);
    }

    private static byte[] SafeTensorsBytes(string header, int dataBytes) =>
        [.. LengthPrefixed(Encoding.UTF8.GetByteCount(header), header), .. new byte[dataBytes]];

    private static byte[] LengthPrefixed(long length, string header)
    {
        byte[] bytes = new byte[8 + Encoding.UTF8.GetByteCount(header)];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)length);
        Encoding.UTF8.GetBytes(header, bytes.AsSpan(8));
        return bytes;
    }

    private static string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

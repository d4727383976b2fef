using TorchSharp;
using static Microsoft.ML.Inception.Tests.Weights.PthFixture;
using ScalarType = TorchSharp.torch.ScalarType;
using Storage = Microsoft.ML.Inception.Tests.Weights.PthFixture.Storage;
using Tensor = TorchSharp.torch.Tensor;

namespace Microsoft.ML.Inception.Tests.Weights;

/// <summary>State dicts saved by torch.save (.pth/.pt) are read without running their pickle; anything a state dict does not need, or sizes the data do not hold, are refused.</summary>
[TestClass]
public sealed class PthFormatTests
{
    private static readonly Storage Six = new("0", "FloatStorage", 6, Floats(0, 1, 2, 3, 4, 5));
    private static readonly Storage Two = new("1", "FloatStorage", 2, Floats(-1.5f, 2.25f));

    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-pth-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Read_StateDictOfTwoFloatTensors_GivesTheirValuesInOrder()
    {
        byte[] pth = Pth([new View("layer.weight", "0", 0, [2, 3], [3, 1]), new View("layer.bias", "1", 0, [2], [1])], [Six, Two]);

        StoredWeights read = Read(pth, "two.pth");

        Assert.AreEqual(WeightFileFormat.PyTorch, read.Format);
        CollectionAssert.AreEqual(new[] { "layer.weight", "layer.bias" }, read.Names.ToList());
        Assert.IsTrue(read.TryGet("layer.weight", out StoredTensor weight));
        Assert.AreEqual(ScalarType.Float32, weight.Type);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, weight.Shape);
        CollectionAssert.AreEqual(new float[] { 0, 1, 2, 3, 4, 5 }, Values(weight));
        Assert.IsTrue(read.TryGet("layer.bias", out StoredTensor bias));
        CollectionAssert.AreEqual(new[] { -1.5f, 2.25f }, Values(bias));
    }

    [TestMethod]
    public void Read_PickleWrittenByPythonsPickler_GivesTheTensors()
    {
        // Written by Python 3.13's pickle.Pickler(protocol=2) with torch.save's persistent_id and stand-ins for
        // torch.FloatStorage and torch._utils._rebuild_tensor_v2 (torch is not installed here): unlike PthFixture it
        // memoizes repeated strings and globals (BINGET), as torch.save's pickles do. The state dict is
        // OrderedDict(layer.weight = view (2, 3)/(3, 1) of storage 0, layer.bias = (2,)/(1,) of storage 1), _metadata set.
        byte[] pickle = Convert.FromBase64String(
            "gAJjY29sbGVjdGlvbnMKT3JkZXJlZERpY3QKcQApUnEBKFgMAAAAbGF5ZXIud2VpZ2h0cQJjdG9yY2guX3V0aWxzCl9yZWJ1aWxkX3RlbnNvcl92MgpxAygoWAcAAABzdG9yYWdlcQRjdG9yY2gKRmxvYXRTdG9yYWdlCnEFWAEAAAAwcQZYAwAAAGNwdXEHSwZ0cQhRSwBLAksDhnEJSwNLAYZxColoAClScQt0cQxScQ1YCgAAAGxheWVyLmJpYXNxDmgDKChoBGgFWAEAAAAxcQ9oB0sCdHEQUUsASwKFcRFLAYVxEoloAClScRN0cRRScRV1fXEWWAkAAABfbWV0YWRhdGFxF2gAKVJxGFgAAAAAcRl9cRpYBwAAAHZlcnNpb25xG0sBc3NzYi4=");

        StoredWeights read = Read(Zip(pickle, [Six, Two]), "python.pth");

        CollectionAssert.AreEqual(new[] { "layer.weight", "layer.bias" }, read.Names.ToList());
        Assert.IsTrue(read.TryGet("layer.weight", out StoredTensor weight));
        CollectionAssert.AreEqual(new long[] { 2, 3 }, weight.Shape);
        CollectionAssert.AreEqual(new float[] { 0, 1, 2, 3, 4, 5 }, Values(weight));
        Assert.IsTrue(read.TryGet("layer.bias", out StoredTensor bias));
        CollectionAssert.AreEqual(new[] { -1.5f, 2.25f }, Values(bias));
    }

    [TestMethod]
    public void Read_ParameterRatherThanTensor_GivesItsValues()
    {
        byte[] pth = Pth([new View("w", "1", 0, [2], [1], Parameter: true)], [Two]);

        StoredWeights read = Read(pth, "parameters.pth");

        Assert.IsTrue(read.TryGet("w", out StoredTensor w));
        CollectionAssert.AreEqual(new[] { -1.5f, 2.25f }, Values(w));
    }

    [TestMethod]
    public void Read_DeeplyNestedPickle_IsRefusedWithoutRecursing()
    {
        var p = new Pickle().Proto(2);
        for (int i = 0; i < 200_000; i++)
        {
            p.Op(']');
        }

        for (int i = 1; i < 200_000; i++)
        {
            p.Op('a');
        }

        byte[] pickle = p.Op('.').ToArray();

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Zip(pickle, []), "deep.pth"));

        StringAssert.Contains(e.Message, "'deep.pth' is not a PyTorch state dict this reader accepts: its pickle is not a dict of tensors");
    }

    [TestMethod]
    public void Read_TransposedViewWithOffset_GathersByStrides()
    {
        // torch.arange(6.).view(2, 3).t() saved as is: size (3, 2), stride (1, 3); and a slice starting at element 4.
        byte[] pth = Pth([new View("t", "0", 0, [3, 2], [1, 3]), new View("tail", "0", 4, [2], [1])], [Six]);

        StoredWeights read = Read(pth, "views.pth");

        Assert.IsTrue(read.TryGet("t", out StoredTensor transposed));
        CollectionAssert.AreEqual(new float[] { 0, 3, 1, 4, 2, 5 }, Values(transposed));
        Assert.IsTrue(read.TryGet("tail", out StoredTensor tail));
        CollectionAssert.AreEqual(new float[] { 4, 5 }, Values(tail));
    }

    [TestMethod]
    public void Read_ForbiddenGlobal_IsRefusedNamingTheGlobalAndTheFile()
    {
        // What pickle.dumps of an object whose __reduce__ returns (os.system, ("touch pwned",)) writes.
        byte[] pickle = new Pickle().Proto(2).Global("posix", "system").Put().Unicode("touch pwned").Put().Op(0x85).Put().Op('R').Put().Op('.').ToArray();

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Zip(pickle, []), "evil.pth"));

        StringAssert.Contains(e.Message, "'evil.pth' refers to the Python global 'posix.system'");
        StringAssert.Contains(e.Message, "Nothing was executed");
    }

    [TestMethod]
    public void Read_ReduceOfAnAllowedGlobalWithWrongArguments_IsRefused()
    {
        byte[] pickle = new Pickle().Proto(2).Global("torch._utils", "_rebuild_tensor_v2").Unicode("x").Op(0x85).Op('R').Op('.').ToArray();

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(Zip(pickle, []), "odd.pth"));

        StringAssert.Contains(e.Message, "'odd.pth' is not a PyTorch state dict this reader accepts: it calls torch._utils._rebuild_tensor_v2 with 1 arguments");
    }

    [TestMethod]
    public void Read_ViewPastTheStorage_IsRefused()
    {
        byte[] pth = Pth([new View("w", "0", 5, [2], [1])], [Six]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(pth, "past.pth"));

        StringAssert.Contains(e.Message, "'past.pth' is not a PyTorch state dict this reader accepts: tensor 'w' (size [2], stride [1], offset 5) reaches past the 6 elements of storage '0'");
    }

    [TestMethod]
    public void Read_StridePastTheStorage_IsRefused()
    {
        byte[] pth = Pth([new View("w", "0", 0, [3], [3])], [Six]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(pth, "stride.pth"));

        StringAssert.Contains(e.Message, "tensor 'w' (size [3], stride [3], offset 0) reaches past the 6 elements of storage '0'");
    }

    [TestMethod]
    public void Read_EmptyViewWithAnOffsetPastTheStorage_IsAnEmptyTensor()
    {
        byte[] pth = Pth([new View("w", "0", 100, [0, 4], [4, 1])], [Six]);

        StoredWeights read = Read(pth, "empty.pth");

        Assert.IsTrue(read.TryGet("w", out StoredTensor w));
        CollectionAssert.AreEqual(new long[] { 0, 4 }, w.Shape);
        Assert.AreEqual(0, w.Data.Length);
    }

    [TestMethod]
    public void Read_StrideAndOffsetOverflowing_IsRefused()
    {
        byte[] pth = Pth([new View("w", "0", 1, [3, 2], [long.MaxValue / 2, 1])], [Six]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(pth, "overflow.pth"));

        StringAssert.Contains(e.Message, "reaches past the 6 elements of storage '0'");
    }

    [TestMethod]
    public void Read_StorageLargerThanItsEntry_IsRefused()
    {
        Storage lying = Six with { ElementCount = 7 };
        byte[] pth = Pth([new View("w", "0", 0, [6], [1])], [lying]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(pth, "short.pth"));

        StringAssert.Contains(e.Message, "storage '0' declares 7 elements of FloatStorage (28 bytes), but its entry holds 24 bytes");
    }

    [TestMethod]
    public void Read_HugeDeclaredSizes_AreRefusedBeforeAllocating()
    {
        Storage huge = Six with { ElementCount = 1L << 40 };
        byte[] hugeStorage = Pth([new View("w", "0", 0, [1L << 40], [1])], [huge]);
        byte[] hugeView = Pth([new View("w", "0", 0, [1L << 20, 1L << 20], [0, 0])], [Six]);
        long before = GC.GetAllocatedBytesForCurrentThread();

        var storage = Assert.ThrowsExactly<InvalidDataException>(() => Read(hugeStorage, "huge.pth"));
        var view = Assert.ThrowsExactly<InvalidDataException>(() => Read(hugeView, "wide.pth"));

        StringAssert.Contains(storage.Message, "storage '0' declares 1099511627776 elements of FloatStorage (4398046511104 bytes)");
        StringAssert.Contains(view.Message, "its tensors take more than");
        Assert.IsLessThan(8_000_000L, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void Read_CorruptedFiles_FailOnlyWithInvalidDataException(bool pickleOnly)
    {
        var storages = new[] { Six, Two };
        byte[] pickle = StateDictPickle([new View("layer.weight", "0", 0, [3, 2], [1, 3]), new View("layer.bias", "1", 0, [2], [1], Parameter: true)], storages);
        byte[] original = pickleOnly ? pickle : Zip(pickle, storages);
        var random = new Random(19);
        for (int i = 0; i < 3000; i++)
        {
            byte[] corrupted = (byte[])original.Clone();
            for (int j = random.Next(1, 4); j > 0; j--)
            {
                corrupted[random.Next(corrupted.Length)] = (byte)random.Next(256);
            }

            try
            {
                Read(pickleOnly ? Zip(corrupted, storages) : corrupted, "fuzz.pth");
            }
            catch (InvalidDataException e)
            {
                StringAssert.Contains(e.Message, "'fuzz.pth'");
            }
            catch (Exception e)
            {
                Assert.Fail($"Corruption {i} ({Convert.ToHexString(corrupted)}) threw {e}");
            }
        }
    }

    [TestMethod]
    public void Read_LegacyPickleFormat_IsRefusedWithTheWayToReSave()
    {
        // What torch.save(..., _use_new_zipfile_serialization=False) writes begins with pickle protocol 2 and a magic number.
        using var legacy = new MemoryStream([0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E, 0x80, 0x02, 0x4D]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => WeightFile.Read(legacy, "old.pth", safeTensorsExpected: false));

        StringAssert.Contains(e.Message, "'old.pth' looks like a PyTorch file in the legacy format");
        StringAssert.Contains(e.Message, "saved with torch.save(..., _use_new_zipfile_serialization=False) or PyTorch < 1.6; re-save it with a current PyTorch");
    }

    [TestMethod]
    public void Read_TruncatedZip_IsRefusedNamingTheFile()
    {
        byte[] pth = Pth([new View("w", "0", 0, [6], [1])], [Six]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => Read(pth[..(pth.Length / 2)], "cut.pth"));

        StringAssert.Contains(e.Message, "'cut.pth' is not a PyTorch state dict this reader accepts");
    }

    [TestMethod]
    [DataRow("googlenet.pth")]
    [DataRow("googlenet.pt")]
    public void GoogLeNetWeightsLoad_PthOfAQuarterWidthGoogLeNet_GivesIdenticalWeights(string file)
    {
        var options = new GoogLeNetOptions { WidthMultiplier = 0.25, NumberOfClasses = 4, InputChannels = 3 };
        torch.random.manual_seed(1);
        using var source = new GoogLeNet(options);
        torch.random.manual_seed(2);
        using var target = new GoogLeNet(options);
        string path = Path.Combine(folder, file);
        File.WriteAllBytes(path, PthOf(source.state_dict().Select(kv => KeyValuePair.Create(kv.Key, StoredTensor.From(kv.Value)))));

        GoogLeNetWeightsReport report = GoogLeNetWeights.Load(target, path);

        Assert.AreEqual("PyTorch", report.Format);
        Assert.HasCount(source.state_dict().Count, report.LoadedTensors);
        foreach ((string name, Tensor value) in source.state_dict())
        {
            Assert.IsTrue(value.eq(target.state_dict()[name]).all().item<bool>(), name);
        }
    }

    private static StoredWeights Read(byte[] file, string source)
    {
        using var stream = new MemoryStream(file);
        return WeightFile.Read(stream, source, safeTensorsExpected: false);
    }

    private static float[] Values(StoredTensor tensor) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray();
}

using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Tests.Estimator;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Checkpoints are data from anywhere: a crafted one must fail with a clear error before it can make the process
/// allocate what it claims, and nothing in it is ever extracted to disk.
/// </summary>
[TestClass]
public sealed class UntrustedFileTests
{
    private static string folder = null!;
    private static string checkpoint = null!;
    private static string adamWCheckpoint = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-untrusted-").FullName;
        checkpoint = TrainAndSave(InceptionOptimizer.SgdMomentum, "digits.ckpt");
        adamWCheckpoint = TrainAndSave(InceptionOptimizer.AdamW, "digits-adamw.ckpt");
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Load_WeightsEntryUnpackingTo256MiB_RejectedBeforeAllocatingIt()
    {
        // 256 MiB of zeros deflate to about 256 KiB: a small file that claims a huge tensor payload.
        string bomb = Rewrite("bomb.ckpt", "weights.bin", stream =>
        {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 256; i++)
            {
                stream.Write(zeros);
            }
        });
        Assert.IsLessThan(4L << 20, new FileInfo(bomb).Length);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(bomb));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        StringAssert.Contains(e.Message, "weights.bin");
        StringAssert.Contains(e.Message, bomb);
        Assert.IsLessThan(32L << 20, allocated, $"Loading allocated {allocated:N0} bytes before rejecting the file.");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    [DataRow(1, new[] { 1L << 40 }, DisplayName = "[2^40]: 4 TiB of float")]
    [DataRow(2, new[] { 1L << 31, 1L << 31 }, DisplayName = "[2^31, 2^31]: 16 EiB of float")]
    [DataRow(1 << 28, null, DisplayName = "2^28 dimensions: 2 GiB of long[] for the shape alone")]
    public void LoadAndResume_WeightsTensorHeaderClaimingAnAbsurdShape_RejectedBeforeAllocatingIt(int dimensions, long[]? shape)
    {
        // The first tensor's header rewritten, its values kept: a file of the usual size whose header claims the absurd.
        // With a null shape the header claims that many dimensions but is followed by the tensor's real ones.
        byte[] weights = Entry("weights.bin");
        List<(string Name, long Type, long[] Shape, byte[] Values)> entries = ParseStateDict(weights);
        CollectionAssert.AreEqual(weights, WriteStateDict(entries), "The parser must read TorchSharp's format exactly as Module.save writes it.");
        byte[] absurd = WriteStateDict(entries, dimensions, shape ?? entries[0].Shape);
        Assert.IsLessThan(weights.Length + 16, absurd.Length, "Well within the size a network of the checkpoint's options may need.");
        string crafted = Rewrite($"shape-{dimensions}.ckpt", "weights.bin", stream => stream.Write(absurd));

        double? resident = ProcessMemory.ResidentMiB();
        double? fileBacked = ProcessMemory.FileBackedMiB();
        bool peakReset = ProcessMemory.ResetPeak();
        (InvalidDataException loading, long allocated, InvalidDataException resuming, long allocatedResuming, bool trained) =
            LoadAndResume(crafted, InceptionOptimizer.SgdMomentum);
        double? peak = ProcessMemory.PeakResidentMiB();
        double? fileBackedAfter = ProcessMemory.FileBackedMiB();

        foreach (InvalidDataException e in new[] { loading, resuming })
        {
            StringAssert.Contains(e.Message, crafted);
            StringAssert.Contains(e.Message, "weights.bin");
            StringAssert.Contains(e.Message, entries[0].Name);
        }

        Assert.IsFalse(trained);
        Assert.IsLessThan(32L << 20, allocated, $"Loading allocated {allocated:N0} bytes before rejecting the file.");
        Assert.IsLessThan(32L << 20, allocatedResuming, $"Resuming allocated {allocatedResuming:N0} bytes before rejecting the file.");
        if (resident is double start && peak is double highest && peakReset && fileBacked is double files && fileBackedAfter is double filesAfter)
        {
            // Pages of mapped files (the libraries' code) that the kernel dropped for other processes and read back
            // meanwhile raise the peak without any allocation: they are left out.
            double reread = Math.Max(0, filesAfter - files);
            Assert.IsLessThan(64, highest - start - reread, $"The resident set grew from {start:F0} MiB to a peak of {highest:F0} MiB ({reread:F0} MiB of it mapped files read back).");
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    [DataRow(InceptionOptimizer.SgdMomentum, 1, new[] { 1L << 40 }, DisplayName = "SGD momentum buffer [2^40]: 4 TiB of float")]
    [DataRow(InceptionOptimizer.SgdMomentum, 1 << 28, null, DisplayName = "SGD momentum buffer of 2^28 dimensions: 2 GiB of long[] for the shape alone")]
    [DataRow(InceptionOptimizer.SgdMomentum, 1, new[] { 17L }, DisplayName = "SGD momentum buffer [17], whose values are there but which no tensor of the weights has")]
    [DataRow(InceptionOptimizer.AdamW, 1, new[] { 1L << 40 }, DisplayName = "AdamW exp_avg [2^40]: 4 TiB of float")]
    [DataRow(InceptionOptimizer.AdamW, 1 << 28, null, DisplayName = "AdamW exp_avg of 2^28 dimensions: 2 GiB of long[] for the shape alone")]
    public void LoadAndResume_OptimizerStateTensorHeaderClaimingAnAbsurdShape_RejectedBeforeAllocatingIt(InceptionOptimizer optimizer, int dimensions, long[]? shape)
    {
        // The header of the first parameter's first state tensor rewritten, its values kept. With a null shape the
        // header claims that many dimensions but is followed by the tensor's real ones.
        string source = Checkpoint(optimizer);
        List<(string Name, long Type, long[] Shape, byte[] Values)> parameters = ParseStateDict(Entry("weights.bin", source));
        byte[] state = Entry("optimizer.bin", source);
        List<(int Parameter, int HeaderStart, int HeaderEnd, long Type, long[] Shape)> tensors = ParseOptimizerState(state, optimizer);
        foreach ((int parameter, _, _, long type, long[] tensorShape) in tensors)
        {
            Assert.AreEqual(parameters[parameter].Type, type, "The states follow parameters(), the order in which Module.save writes the parameters.");
            CollectionAssert.AreEqual(parameters[parameter].Shape, tensorShape, "The states follow parameters(), the order in which Module.save writes the parameters.");
        }

        (_, int start, int end, long firstType, long[] firstShape) = tensors[0];
        byte[] absurd = [.. state.AsSpan(0, start), .. WriteTensorHeader(firstType, dimensions, shape ?? firstShape), .. state.AsSpan(end)];
        Assert.IsLessThan(state.Length + 16, absurd.Length, "Well within the size a network of the checkpoint's options may need.");
        string crafted = Rewrite($"{optimizer}-{(shape is null ? $"{dimensions}-dimensions" : $"shape-{string.Join('x', shape)}")}.ckpt", "optimizer.bin", stream => stream.Write(absurd), source);

        (InvalidDataException loading, long allocated, InvalidDataException resuming, long allocatedResuming, bool trained) =
            LoadAndResume(crafted, optimizer);

        foreach (InvalidDataException e in new[] { loading, resuming })
        {
            StringAssert.Contains(e.Message, crafted);
            StringAssert.Contains(e.Message, "optimizer.bin");
            StringAssert.Contains(e.Message, "of parameter 0");
        }

        Assert.IsFalse(trained);
        Assert.IsLessThan(32L << 20, allocated, $"Loading allocated {allocated:N0} bytes before rejecting the file.");
        Assert.IsLessThan(32L << 20, allocatedResuming, $"Resuming allocated {allocatedResuming:N0} bytes before rejecting the file.");
    }

    [TestMethod]
    public void LoadAndResume_WeightsHoldingNaN_RefusedNamingTheTensor()
    {
        List<(string Name, long Type, long[] Shape, byte[] Values)> entries = ParseStateDict(Entry("weights.bin"));
        int fc = entries.FindIndex(e => e.Name == "fc.weight");
        byte[] values = entries[fc].Values.ToArray();
        BitConverter.TryWriteBytes(values.AsSpan(3 * sizeof(float)), float.NaN);
        entries[fc] = (entries[fc].Name, entries[fc].Type, entries[fc].Shape, values);
        string crafted = Rewrite("nan-weights.ckpt", "weights.bin", stream => stream.Write(WriteStateDict(entries)));

        (InvalidDataException loading, _, InvalidDataException resuming, _, bool trained) = LoadAndResume(crafted, InceptionOptimizer.SgdMomentum);

        foreach (InvalidDataException e in new[] { loading, resuming })
        {
            StringAssert.Contains(e.Message, crafted);
            StringAssert.Contains(e.Message, "not finite");
            StringAssert.Contains(e.Message, "weights.bin has one in tensor 'fc.weight', element 3");
        }

        Assert.IsFalse(trained);
    }

    [TestMethod]
    [DataRow(InceptionOptimizer.SgdMomentum, "momentum_buffer")]
    [DataRow(InceptionOptimizer.AdamW, "exp_avg")]
    public void LoadAndResume_OptimizerStateHoldingInfinity_RefusedNamingTheState(InceptionOptimizer optimizer, string state)
    {
        string source = Checkpoint(optimizer);
        byte[] values = Entry("optimizer.bin", source);
        (_, _, int valuesStart, _, _) = ParseOptimizerState(values, optimizer)[0];
        BitConverter.TryWriteBytes(values.AsSpan(valuesStart), float.PositiveInfinity);
        string crafted = Rewrite($"{optimizer}-infinite-state.ckpt", "optimizer.bin", stream => stream.Write(values), source);

        (InvalidDataException loading, _, InvalidDataException resuming, _, bool trained) = LoadAndResume(crafted, optimizer);

        foreach (InvalidDataException e in new[] { loading, resuming })
        {
            StringAssert.Contains(e.Message, crafted);
            StringAssert.Contains(e.Message, "not finite");
            StringAssert.Contains(e.Message, $"optimizer.bin has one in the {state} of parameter 0, element 0");
        }

        Assert.IsFalse(trained);
    }

    [TestMethod]
    [DataRow("appended", "has 1 bytes after its last state", DisplayName = "A byte after the last state")]
    [DataRow("halved", "more than the", DisplayName = "Cut short in the middle of a tensor")]
    [DataRow("AdamW", "is not the state of SGD", DisplayName = "AdamW's state in a checkpoint of SGD")]
    public void Load_DamagedOptimizerState_SaysWhatIsWrong(string damage, string problem)
    {
        byte[] state = Entry("optimizer.bin");
        byte[] damaged = damage switch
        {
            "appended" => [.. state, 0],
            "halved" => state[..(state.Length / 2)],
            _ => Entry("optimizer.bin", adamWCheckpoint),
        };
        string crafted = Rewrite($"optimizer-{damage}.ckpt", "optimizer.bin", stream => stream.Write(damaged));

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "optimizer.bin");
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    public void Load_MetadataNamingAnUnknownOptimizer_SaysSo()
    {
        JsonNode metadata = JsonNode.Parse(Entry("checkpoint.json"))!;
        metadata["optimizer"] = 7;
        string crafted = Rewrite("optimizer-7.ckpt", "checkpoint.json", stream => stream.Write(Encoding.UTF8.GetBytes(metadata.ToJsonString())));

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "names optimiser 7, which this version does not know");
    }

    [TestMethod]
    [DataRow(InceptionOptimizer.SgdMomentum)]
    [DataRow(InceptionOptimizer.AdamW)]
    public void LoadAndResume_CheckpointOfEitherOptimizer_PassesTheChecksAndTrainsOn(InceptionOptimizer optimizer)
    {
        string source = Checkpoint(optimizer);
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Optimizer = optimizer;
        options.ResumeFrom = source;

        InceptionCheckpoint loaded = InceptionCheckpoint.Load(source);
        InceptionTransformer resumed = DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml)).LastTransformer;

        Assert.AreEqual(1, loaded.EpochsCompleted);
        Assert.HasCount(2, resumed.History);
        Assert.AreEqual(2, resumed.History[^1].Epoch);
    }

    [TestMethod]
    public void Load_EntryNamedToEscapeTheFolder_LoadsWithoutWritingAnyFile()
    {
        string escaped = Path.GetFullPath(Path.Combine(folder, "..", $"escaped-{Guid.NewGuid():N}.txt"));
        string crafted = Rewrite("escape.ckpt", "../" + Path.GetFileName(escaped), stream => stream.Write("written outside"u8));

        InceptionCheckpoint loaded = InceptionCheckpoint.Load(crafted);

        Assert.HasCount(10, loaded.ClassNames);
        Assert.IsFalse(File.Exists(escaped), "A checkpoint's entries are read in memory, never extracted.");
    }

    private static string TrainAndSave(InceptionOptimizer optimizer, string name)
    {
        string path = Path.Combine(folder, name);
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Optimizer = optimizer;
        DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml)).LastTransformer.SaveCheckpoint(path);
        return path;
    }

    private static string Checkpoint(InceptionOptimizer optimizer) => optimizer == InceptionOptimizer.AdamW ? adamWCheckpoint : checkpoint;

    /// <summary>The unpacked bytes of one entry of the checkpoint (by default the one trained with SGD).</summary>
    private static byte[] Entry(string entryName, string? source = null)
    {
        using ZipArchive archive = ZipFile.OpenRead(source ?? checkpoint);
        using Stream stream = archive.GetEntry(entryName)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Reads TorchSharp's Module.save format: a LEB128 entry count, then per entry the name (BinaryWriter.Write(string)),
    /// the LEB128 element type, number of dimensions and each dimension, then the raw values.
    /// </summary>
    private static List<(string Name, long Type, long[] Shape, byte[] Values)> ParseStateDict(byte[] data)
    {
        using var reader = new BinaryReader(new MemoryStream(data));
        var entries = new List<(string, long, long[], byte[])>();
        for (long count = ReadLeb128(reader); count > 0; count--)
        {
            string name = reader.ReadString();
            (long type, long[] shape, byte[] values) = ReadTensor(reader);
            entries.Add((name, type, shape, values));
        }

        Assert.AreEqual(data.Length, reader.BaseStream.Position, "Nothing follows the last tensor.");
        return entries;
    }

    /// <summary>
    /// Reads TorchSharp's optimizer state format (save_state_dict): the optimizer's name (BinaryWriter.Write(string)),
    /// LEB128 numbers of parameter groups and states, per group the initial and current learning rates and three (SGD:
    /// momentum, dampening, weight decay) or four (AdamW: beta1, beta2, eps, weight decay) more doubles and two booleans,
    /// then per parameter SGD's boolean and momentum buffer if it is true, or AdamW's step (a long), first and second
    /// moments, and a boolean followed by the maximum second moment if it is true; tensors as in Module.save.
    /// Returns every state tensor: the index of its parameter, where its header starts and ends, its type and shape.
    /// </summary>
    private static List<(int Parameter, int HeaderStart, int HeaderEnd, long Type, long[] Shape)> ParseOptimizerState(byte[] data, InceptionOptimizer optimizer)
    {
        bool adamW = optimizer == InceptionOptimizer.AdamW;
        using var reader = new BinaryReader(new MemoryStream(data));
        var tensors = new List<(int, int, int, long, long[])>();
        void ReadStateTensor(int parameter)
        {
            int start = (int)reader.BaseStream.Position;
            (long type, long[] shape, _) = ReadTensor(reader);
            int end = start + WriteTensorHeader(type, shape.Length, shape).Length;
            tensors.Add((parameter, start, end, type, shape));
        }

        Assert.AreEqual(adamW ? "AdamW" : "SGD", reader.ReadString());
        Assert.AreEqual(1, ReadLeb128(reader), "One parameter group.");
        long states = ReadLeb128(reader);
        reader.ReadBytes(((adamW ? 6 : 5) * sizeof(double)) + (2 * sizeof(bool)));
        for (int parameter = 0; parameter < states; parameter++)
        {
            if (adamW)
            {
                Assert.IsGreaterThan(0, reader.ReadInt64(), "AdamW counts its steps.");
                ReadStateTensor(parameter);
                ReadStateTensor(parameter);
            }

            if (reader.ReadBoolean())
            {
                ReadStateTensor(parameter);
            }
        }

        Assert.AreEqual(data.Length, reader.BaseStream.Position, "Nothing follows the last state.");
        return tensors;
    }

    /// <summary>Reads a tensor as TorchSharp's Tensor.Save writes it: the LEB128 element type, number of dimensions and each dimension, then the raw values.</summary>
    private static (long Type, long[] Shape, byte[] Values) ReadTensor(BinaryReader reader)
    {
        long type = ReadLeb128(reader);
        long[] shape = new long[ReadLeb128(reader)];
        for (int d = 0; d < shape.Length; d++)
        {
            shape[d] = ReadLeb128(reader);
        }

        int elementSize = (ScalarType)type switch
        {
            ScalarType.Float32 => sizeof(float),
            ScalarType.Int64 => sizeof(long),
            ScalarType other => throw new InvalidDataException($"A GoogLeNet holds Float32 and Int64 tensors, not {other}."),
        };
        return (type, shape, reader.ReadBytes(checked((int)shape.Aggregate(1L, (a, b) => a * b) * elementSize)));
    }

    /// <summary>A tensor header as Tensor.Save writes it, claiming <paramref name="dimensions"/> dimensions followed by <paramref name="shape"/>.</summary>
    private static byte[] WriteTensorHeader(long type, long dimensions, long[] shape)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        WriteLeb128(writer, type);
        WriteLeb128(writer, dimensions);
        foreach (long size in shape)
        {
            WriteLeb128(writer, size);
        }

        writer.Flush();
        return stream.ToArray();
    }

    /// <summary>Writes the entries back; the first tensor's header may claim another number of dimensions and shape.</summary>
    private static byte[] WriteStateDict(List<(string Name, long Type, long[] Shape, byte[] Values)> entries, long? firstDimensions = null, long[]? firstShape = null)
    {
        using var stream = new MemoryStream();
        using var writer = new BinaryWriter(stream);
        WriteLeb128(writer, entries.Count);
        for (int i = 0; i < entries.Count; i++)
        {
            (string name, long type, long[] shape, byte[] values) = entries[i];
            writer.Write(name);
            WriteLeb128(writer, type);
            WriteLeb128(writer, i == 0 && firstDimensions is long claimed ? claimed : shape.Length);
            foreach (long size in i == 0 && firstShape is not null ? firstShape : shape)
            {
                WriteLeb128(writer, size);
            }

            writer.Write(values);
        }

        writer.Flush();
        return stream.ToArray();
    }

    private static long ReadLeb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    private static void WriteLeb128(BinaryWriter writer, long value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            writer.Write(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
    }

    /// <summary>A copy of the checkpoint (by default the one trained with SGD) with one entry replaced (or added) by what <paramref name="write"/> writes.</summary>
    private static string Rewrite(string name, string entryName, Action<Stream> write, string? original = null)
    {
        string path = Path.Combine(folder, name);
        using (ZipArchive source = ZipFile.OpenRead(original ?? checkpoint))
        using (ZipArchive target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (ZipArchiveEntry entry in source.Entries.Where(e => e.FullName != entryName))
            {
                using Stream from = entry.Open();
                using Stream to = target.CreateEntry(entry.FullName).Open();
                from.CopyTo(to);
            }

            using Stream replaced = target.CreateEntry(entryName, CompressionLevel.Optimal).Open();
            write(replaced);
        }

        return path;
    }

    /// <summary>
    /// Loads a crafted checkpoint, then resumes training from it (which reads the checkpoint before the images, so
    /// TorchSharp never sees the header): both must fail; returns the errors, what each allocated, and whether an epoch ran.
    /// </summary>
    private static (InvalidDataException Loading, long LoadingAllocated, InvalidDataException Resuming, long ResumingAllocated, bool Trained) LoadAndResume(
        string crafted, InceptionOptimizer optimizer)
    {
        long before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException loading = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));
        long loadingAllocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        var ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Optimizer = optimizer;
        options.ResumeFrom = crafted;
        bool trained = false;
        options.EpochCompleted = _ => trained = true;
        var pipeline = DigitsPipeline.Create(ml, options);
        before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException resuming = Assert.ThrowsExactly<InvalidDataException>(() => pipeline.Fit(train));
        return (loading, loadingAllocated, resuming, GC.GetTotalAllocatedBytes(precise: true) - before, trained);
    }
}

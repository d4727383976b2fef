using System.IO.Compression;
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

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-untrusted-").FullName;
        checkpoint = Path.Combine(folder, "digits.ckpt");
        var ml = new MLContext(seed: 1);
        DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(DigitsPipeline.SmallTrain(ml)).LastTransformer.SaveCheckpoint(checkpoint);
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
        bool peakReset = ProcessMemory.ResetPeak();
        long before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException loading = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        // Resuming training reads the checkpoint before the images, and TorchSharp never sees the header.
        var ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ResumeFrom = crafted;
        bool trained = false;
        options.EpochCompleted = _ => trained = true;
        var pipeline = DigitsPipeline.Create(ml, options);
        before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException resuming = Assert.ThrowsExactly<InvalidDataException>(() => pipeline.Fit(train));
        long allocatedResuming = GC.GetTotalAllocatedBytes(precise: true) - before;
        double? peak = ProcessMemory.PeakResidentMiB();

        foreach (InvalidDataException e in new[] { loading, resuming })
        {
            StringAssert.Contains(e.Message, crafted);
            StringAssert.Contains(e.Message, "weights.bin");
            StringAssert.Contains(e.Message, entries[0].Name);
        }

        Assert.IsFalse(trained);
        Assert.IsLessThan(32L << 20, allocated, $"Loading allocated {allocated:N0} bytes before rejecting the file.");
        Assert.IsLessThan(32L << 20, allocatedResuming, $"Resuming allocated {allocatedResuming:N0} bytes before rejecting the file.");
        if (resident is double start && peak is double highest && peakReset)
        {
            Assert.IsLessThan(64, highest - start, $"The resident set grew from {start:F0} MiB to a peak of {highest:F0} MiB.");
        }
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

    /// <summary>The unpacked bytes of one entry of the checkpoint.</summary>
    private static byte[] Entry(string entryName)
    {
        using ZipArchive archive = ZipFile.OpenRead(checkpoint);
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
            entries.Add((name, type, shape, reader.ReadBytes(checked((int)shape.Aggregate(1L, (a, b) => a * b) * elementSize))));
        }

        Assert.AreEqual(data.Length, reader.BaseStream.Position, "Nothing follows the last tensor.");
        return entries;
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

    /// <summary>A copy of the checkpoint with one entry replaced (or added) by what <paramref name="write"/> writes.</summary>
    private static string Rewrite(string name, string entryName, Action<Stream> write)
    {
        string path = Path.Combine(folder, name);
        using (ZipArchive source = ZipFile.OpenRead(checkpoint))
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
}

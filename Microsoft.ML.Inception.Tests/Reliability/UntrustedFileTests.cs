using System.IO.Compression;
using Microsoft.ML.Inception.Tests.Estimator;

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
    public void Load_EntryNamedToEscapeTheFolder_LoadsWithoutWritingAnyFile()
    {
        string escaped = Path.GetFullPath(Path.Combine(folder, "..", $"escaped-{Guid.NewGuid():N}.txt"));
        string crafted = Rewrite("escape.ckpt", "../" + Path.GetFileName(escaped), stream => stream.Write("written outside"u8));

        InceptionCheckpoint loaded = InceptionCheckpoint.Load(crafted);

        Assert.HasCount(10, loaded.ClassNames);
        Assert.IsFalse(File.Exists(escaped), "A checkpoint's entries are read in memory, never extracted.");
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

using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Checkpoints;

/// <summary>
/// A checkpoint's <c>checkpoint.json</c> is data from anywhere: it is read only up to a bounded size, and every field is
/// checked against the others and against <c>weights.bin</c> before anything is built from it.
/// </summary>
[TestClass]
public sealed class CheckpointMetadataTests
{
    private static string folder = null!;
    private static string checkpoint = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-checkpoint-metadata-").FullName;
        checkpoint = Path.Combine(folder, "digits.ckpt");
        var ml = new MLContext(seed: 1);
        DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(DigitsPipeline.SmallTrain(ml, perClass: 5)).LastTransformer.SaveCheckpoint(checkpoint);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Load_MetadataOf32MiB_RefusedBeforeParsingIt()
    {
        // 32 MiB of one letter deflate to about 32 KiB: a small file whose format string would be read in whole.
        JsonNode metadata = Metadata();
        metadata["format"] = new string('a', 32 << 20);
        string crafted = WithMetadata("huge-metadata.ckpt", metadata);
        Assert.IsLessThan(new FileInfo(checkpoint).Length + (1L << 20), new FileInfo(crafted).Length);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "checkpoint.json");
        Assert.IsLessThan(16L << 20, allocated, $"Loading allocated {allocated:N0} bytes before rejecting the file.");
    }

    [TestMethod]
    public void Load_ClassCountOtherThanTheClassifiersInWeights_SaysSo()
    {
        JsonNode metadata = Metadata();
        metadata["network"]!["numberOfClasses"] = 11;
        metadata["classNames"]!.AsArray().Add("10");
        string crafted = WithMetadata("eleven-classes.ckpt", metadata);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "11 classes");
        StringAssert.Contains(e.Message, "'fc.weight' of shape [10, ");
    }

    [TestMethod]
    [DataRow("network", DisplayName = "network: null")]
    [DataRow("classNames", DisplayName = "classNames: null")]
    [DataRow("mean", DisplayName = "mean: null")]
    [DataRow("standardDeviation", DisplayName = "standardDeviation: null")]
    [DataRow("history", DisplayName = "history: null")]
    [DataRow("format", DisplayName = "format: null")]
    public void Load_NullField_SaysWhichIsMissing(string field)
    {
        JsonNode metadata = Metadata();
        metadata[field] = null;
        string crafted = WithMetadata($"null-{field}.ckpt", metadata);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, field);
    }

    [TestMethod]
    public void Load_NullClassName_SaysWhichIsMissing()
    {
        JsonNode metadata = Metadata();
        metadata["classNames"]![3] = null;
        string crafted = WithMetadata("null-class-name.ckpt", metadata);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "class name 3 is null");
    }

    [TestMethod]
    [DataRow("mean", "[0.5, 0.5]", "2 values of mean for 1 channel(s)", DisplayName = "mean: two values for one channel")]
    [DataRow("standardDeviation", "[0]", "standardDeviation[0] is 0", DisplayName = "standardDeviation: zero")]
    [DataRow("standardDeviation", "[-3]", "standardDeviation[0] is -3", DisplayName = "standardDeviation: negative")]
    [DataRow("standardDeviation", "[]", "0 values of standardDeviation for 1 channel(s)", DisplayName = "standardDeviation: empty")]
    public void Load_NormalizationNotOneFiniteValuePerChannel_SaysWhichValue(string field, string values, string problem)
    {
        JsonNode metadata = Metadata();
        Assert.AreEqual(1, (int)metadata["network"]!["inputChannels"]!, "The digits are grey.");
        metadata[field] = JsonNode.Parse(values);
        string crafted = WithMetadata($"normalization-{field}-{values.Length}-{values[1]}.ckpt", metadata);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, problem);
    }

    [TestMethod]
    [DataRow(-1, DisplayName = "epochsCompleted: -1")]
    [DataRow(7, DisplayName = "epochsCompleted: 7 with the metrics of 1")]
    public void Load_EpochsCompletedOtherThanTheEpochsInHistory_SaysSo(int epochs)
    {
        JsonNode metadata = Metadata();
        metadata["epochsCompleted"] = epochs;
        string crafted = WithMetadata($"epochs-{epochs}.ckpt", metadata);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, $"epochsCompleted is {epochs}");
    }

    [TestMethod]
    public void CreateNetwork_WeightsOfAnotherWidth_NamesTheFileAndTheTensor()
    {
        // Width 0.3 rounds some channel counts as 0.25 does but not all, so the classifier still fits.
        JsonNode metadata = Metadata();
        metadata["network"]!["widthMultiplier"] = 0.3;
        string crafted = WithMetadata("other-width.ckpt", metadata);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted).CreateNetwork());

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "weights.bin");
        StringAssert.Contains(e.Message, "tensor '");
    }

    [TestMethod]
    public void Load_TwoEntriesOfTheSameName_RefusedNamingTheEntry()
    {
        string crafted = Path.Combine(folder, "duplicate-entry.ckpt");
        File.Copy(checkpoint, crafted, overwrite: true);
        using (ZipArchive archive = ZipFile.Open(crafted, ZipArchiveMode.Update))
        {
            using Stream second = archive.CreateEntry("weights.bin").Open();
            second.Write(Entry("weights.bin"));
        }

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "two entries named 'weights.bin'");
    }

    [TestMethod]
    public void Load_GenuineCheckpoint_PassesEveryCheck()
    {
        InceptionCheckpoint loaded = InceptionCheckpoint.Load(checkpoint);
        using GoogLeNet network = loaded.CreateNetwork();

        Assert.HasCount(10, loaded.ClassNames);
        Assert.AreEqual(1, loaded.EpochsCompleted);
    }

    private static JsonNode Metadata() => JsonNode.Parse(Entry("checkpoint.json"))!;

    private static byte[] Entry(string name)
    {
        using ZipArchive archive = ZipFile.OpenRead(checkpoint);
        using Stream stream = archive.GetEntry(name)!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A copy of the checkpoint whose <c>checkpoint.json</c> is <paramref name="metadata"/>.</summary>
    private static string WithMetadata(string name, JsonNode metadata)
    {
        string path = Path.Combine(folder, name);
        using (ZipArchive source = ZipFile.OpenRead(checkpoint))
        using (ZipArchive target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            foreach (ZipArchiveEntry entry in source.Entries.Where(e => e.FullName != "checkpoint.json"))
            {
                using Stream from = entry.Open();
                using Stream to = target.CreateEntry(entry.FullName).Open();
                from.CopyTo(to);
            }

            using Stream replaced = target.CreateEntry("checkpoint.json", CompressionLevel.Optimal).Open();
            replaced.Write(Encoding.UTF8.GetBytes(metadata.ToJsonString()));
        }

        return path;
    }
}

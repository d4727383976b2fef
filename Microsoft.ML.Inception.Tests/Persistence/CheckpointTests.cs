using Microsoft.ML.Data;
using System.IO.Compression;
using System.Text.Json.Nodes;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Persistence;

/// <summary>Checkpoints hold the training state; training resumed from one continues exactly where it stopped.</summary>
[TestClass]
public sealed class CheckpointTests
{
    private static string folder = null!;

    [ClassInitialize]
    public static void CreateFolder(TestContext context) => folder = Directory.CreateTempSubdirectory("inception-checkpoints-").FullName;

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Resume_OneMoreEpochAfterACheckpoint_EqualsTwoEpochsStraight()
    {
        IDataView test = DigitsPipeline.Test(new MLContext());
        string checkpoint = Path.Combine(folder, "after-epoch-1.ckpt");

        float[][] straight = Train(epochs: 2, resumeFrom: null).Transform(test).GetColumn<float[]>("Score").ToArray();
        Train(epochs: 1, resumeFrom: null).LastTransformer.SaveCheckpoint(checkpoint);
        var resumed = Train(epochs: 1, resumeFrom: checkpoint);
        float[][] continued = resumed.Transform(test).GetColumn<float[]>("Score").ToArray();

        Assert.HasCount(2, resumed.LastTransformer.History);
        Assert.AreEqual(2, resumed.LastTransformer.History[^1].Epoch);
        for (int i = 0; i < straight.Length; i++)
        {
            CollectionAssert.AreEqual(straight[i], continued[i], $"Row {i}: resumed training diverged from uninterrupted training.");
        }
    }

    [TestMethod]
    public void SaveCheckpoint_IsADocumentedVersionedZip()
    {
        string path = Path.Combine(folder, "documented.ckpt");
        InceptionTransformer model = Train(epochs: 1, resumeFrom: null).LastTransformer;

        model.SaveCheckpoint(path);
        using ZipArchive archive = ZipFile.OpenRead(path);
        JsonNode json = JsonNode.Parse(archive.GetEntry("checkpoint.json")!.Open())!;
        InceptionCheckpoint loaded = InceptionCheckpoint.Load(path);

        CollectionAssert.AreEquivalent(new[] { "checkpoint.json", "weights.bin", "optimizer.bin" }, archive.Entries.Select(e => e.FullName).ToArray());
        Assert.AreEqual("Microsoft.ML.Inception.Checkpoint", (string?)json["format"]);
        Assert.AreEqual(1, (int?)json["version"]);
        CollectionAssert.AreEqual(model.ClassNames.ToList(), loaded.ClassNames.ToList());
        Assert.AreEqual(1, loaded.EpochsCompleted);
        Assert.AreEqual(model.History[0].TrainingLoss, loaded.History[0].TrainingLoss);
        Assert.AreEqual(32, loaded.ImageWidth);
        Assert.AreEqual(0.25, loaded.Network.WidthMultiplier);
    }

    [TestMethod]
    public void Resume_CheckpointWithOtherClasses_SaysSoBeforeTraining()
    {
        string path = Path.Combine(folder, "ten-classes.ckpt");
        Train(epochs: 1, resumeFrom: null).LastTransformer.SaveCheckpoint(path);
        var ml = new MLContext(seed: 1);
        IDataView fiveDigits = ml.Data.LoadFromEnumerable(DigitImages.Train.Where(r => string.CompareOrdinal(r.Label, "5") < 0).GroupBy(r => r.Label).SelectMany(g => g.Take(10)).ToList());
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ResumeFrom = path;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => DigitsPipeline.Create(ml, options).Fit(fiveDigits));

        StringAssert.Contains(e.Message, "was trained on 10 classes, but label column 'Label' has 5");
    }

    [TestMethod]
    public void Resume_CheckpointOfAnotherImageSize_SaysSoBeforeTraining()
    {
        string path = Path.Combine(folder, "size-32.ckpt");
        Train(epochs: 1, resumeFrom: null).LastTransformer.SaveCheckpoint(path);
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.ResumeFrom = path;
        var pipeline = DigitsPipeline.Preprocessing(ml).Append(ml.Transforms.ResizeImages("Image", 40, 40)).Append(ml.Transforms.Inception(options));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(DigitsPipeline.SmallTrain(ml, 5)));

        StringAssert.Contains(e.Message, "was trained on 32x32 images, but column 'Image' holds 40x40 images");
    }

    [TestMethod]
    public void Load_CheckpointFromANewerFormatVersion_NamesBothVersions()
    {
        string path = Path.Combine(folder, "future.ckpt");
        Train(epochs: 1, resumeFrom: null).LastTransformer.SaveCheckpoint(path);
        using (ZipArchive archive = ZipFile.Open(path, ZipArchiveMode.Update))
        {
            ZipArchiveEntry entry = archive.GetEntry("checkpoint.json")!;
            JsonNode json;
            using (Stream read = entry.Open())
            {
                json = JsonNode.Parse(read)!;
            }

            json["version"] = 2;
            entry.Delete();
            using var write = new StreamWriter(archive.CreateEntry("checkpoint.json").Open());
            write.Write(json.ToJsonString());
        }

        var e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(path));

        StringAssert.Contains(e.Message, "checkpoint format version 2); this version reads format 1 and older");
    }

    [TestMethod]
    public void Load_TruncatedCheckpoint_SaysItIsDamaged()
    {
        string path = Path.Combine(folder, "whole.ckpt");
        string truncated = Path.Combine(folder, "truncated.ckpt");
        Train(epochs: 1, resumeFrom: null).LastTransformer.SaveCheckpoint(path);
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(truncated, bytes.AsSpan(0, bytes.Length / 3).ToArray());

        var e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(truncated));

        StringAssert.Contains(e.Message, "is not a valid Inception checkpoint");
    }

    [TestMethod]
    public void Load_AnMlNetModelZip_IsNotACheckpoint()
    {
        string path = Path.Combine(folder, "model.zip");
        var ml = new MLContext(seed: 1);
        IDataView data = DigitsPipeline.SmallTrain(ml, 2);
        ml.Model.Save(ml.Transforms.Conversion.MapValueToKey("Label").Fit(data), data.Schema, path);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionCheckpoint.Load(path));

        StringAssert.Contains(e.Message, "is not an Inception checkpoint: it has no checkpoint.json");
    }

    private static TransformerChain<InceptionTransformer> Train(int epochs, string? resumeFrom)
    {
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = epochs;
        options.Seed = 42;
        options.RandomCrop = true;
        options.LearningRateSchedule = InceptionLearningRateSchedule.Constant;
        options.ResumeFrom = resumeFrom;
        return DigitsPipeline.Create(ml, options).Fit(DigitsPipeline.SmallTrain(ml, perClass: 10));
    }
}

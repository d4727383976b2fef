using System.Buffers.Binary;
using System.IO.Compression;
using Google.Protobuf;
using Microsoft.ML.Inception.Tests.Estimator;
using Onnx;

namespace Microsoft.ML.Inception.Tests.Persistence;

/// <summary>
/// <see cref="InceptionModel.Verify"/> is what a server runs before <c>Model.Load</c> of a zip it did not train: ML.NET
/// and ONNX Runtime load a damaged or crafted zip without a word (a flipped byte scores NaN, an ONNX naming external
/// data reads a file from the temporary folder, a ConstantOfShape node allocates gigabytes per call).
/// </summary>
[TestClass]
public sealed class InceptionModelVerifyTests
{
    private static string folder = null!;
    private static string zip = null!;
    private static InceptionTransformer model = null!;
    private static DataViewSchema schema = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-verify-").FullName;
        zip = Path.Combine(folder, "model.zip");
        var ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml, perClass: 5);
        var fitted = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(train);
        ml.Model.Save(fitted, train.Schema, zip);
        (model, schema) = (fitted.LastTransformer, DigitsPipeline.Preprocessing(ml).Fit(train).Transform(train).Schema);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Verify_ModelSavedByMLNet_PassesAndReportsTheRecordedHash()
    {
        VerifiedInceptionModel verified = InceptionModel.Verify(zip);
        ITransformer loaded = new MLContext().Model.Load(zip, out _);

        Assert.HasCount(1, verified.OnnxSha256);
        Assert.MatchesRegex("^[0-9a-f]{64}$", verified.OnnxSha256[0]);
        Assert.IsNotNull(loaded, "ML.NET still loads the zip that holds the recorded hash.");
    }

    [TestMethod]
    [DataRow(InceptionTestTimeAugmentation.HorizontalFlip)]
    [DataRow(InceptionTestTimeAugmentation.TenCrop)]
    [DataRow(InceptionTestTimeAugmentation.Crops144)]
    public void Verify_ModelWithTestTimeAugmentationOrAnEnsemble_Passes(InceptionTestTimeAugmentation augmentation)
    {
        // Every operator the exporter writes is among those the check accepts: the views' and the ensemble's too.
        string path = Path.Combine(folder, $"{augmentation}.zip");
        string ensemble = Path.Combine(folder, $"ensemble-{augmentation}.zip");
        var ml = new MLContext(seed: 1);
        ml.Model.Save(model.WithTestTimeAugmentation(augmentation), schema, path);
        ml.Model.Save(InceptionEnsembleTransformer.Combine([model, model], augmentation), schema, ensemble);

        Assert.HasCount(1, InceptionModel.Verify(path).OnnxSha256);
        Assert.HasCount(1, InceptionModel.Verify(ensemble).OnnxSha256);
    }

    [TestMethod]
    public void Verify_OnnxNamingExternalData_Refused()
    {
        string crafted = WithOnnx("external-data.zip", model =>
        {
            TensorProto weight = model.Graph.Initializer.First(t => t.Name == "fc.weight");
            weight.RawData = ByteString.Empty;
            weight.DataLocation = TensorProto.Types.DataLocation.External;
            weight.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "secrets.bin" });
        });

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionModel.Verify(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "'fc.weight'");
        StringAssert.Contains(e.Message, "external data");
    }

    [TestMethod]
    public void Verify_ByteFlippedOnnxEntryWithWrongCrc_Refused()
    {
        // Stored without compression, so one byte of the ONNX can be flipped in the file itself.
        string crafted = WithOnnx("flipped.zip", _ => { }, CompressionLevel.NoCompression);
        byte[] onnx = OnnxBytes(zip);
        byte[] file = File.ReadAllBytes(crafted);
        int at = file.AsSpan().IndexOf(onnx.AsSpan(onnx.Length / 2, 64));
        Assert.IsGreaterThan(0, at);
        file[at + 10] ^= 0x40;
        File.WriteAllBytes(crafted, file);

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionModel.Verify(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "OnnxModel");
        StringAssert.Contains(e.Message, "CRC");
    }

    [TestMethod]
    public void Verify_OperatorTheExporterNeverWrites_RefusedNamingIt()
    {
        string crafted = WithOnnx("constant-of-shape.zip", model =>
        {
            var node = new NodeProto { OpType = "ConstantOfShape", Name = "bomb" };
            node.Input.Add("first_image");
            node.Output.Add("bomb_output");
            model.Graph.Node.Add(node);
        });

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionModel.Verify(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "ConstantOfShape");
    }

    [TestMethod]
    public void Verify_InitializerDeclaringAHugeShape_Refused()
    {
        string crafted = WithOnnx("huge-initializer.zip", model =>
        {
            TensorProto weight = model.Graph.Initializer.First(t => t.Name == "fc.weight");
            weight.Dims.Clear();
            weight.Dims.Add(1L << 40);
        });

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionModel.Verify(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "'fc.weight'");
        StringAssert.Contains(e.Message, "1,099,511,627,776 values");
    }

    [TestMethod]
    public void Verify_OnnxChangedAfterTheHashWasRecorded_Refused()
    {
        // A valid network in every other way: one bias value changed, the zip's CRCs written afresh.
        string crafted = WithOnnx("changed.zip", model =>
        {
            TensorProto bias = model.Graph.Initializer.First(t => t.Name == "fc.bias");
            byte[] values = bias.RawData.ToByteArray();
            BinaryPrimitives.WriteSingleLittleEndian(values, 100f);
            bias.RawData = ByteString.CopyFrom(values);
        });

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionModel.Verify(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "SHA-256");
    }

    [TestMethod]
    public void Verify_TwoEntriesOfTheSameName_Refused()
    {
        string crafted = Path.Combine(folder, "duplicate.zip");
        File.Copy(zip, crafted, overwrite: true);
        using (ZipArchive archive = ZipFile.Open(crafted, ZipArchiveMode.Update))
        {
            using Stream second = archive.CreateEntry(OnnxEntry(archive)).Open();
            second.Write([0, 0, 0, 0]);
        }

        InvalidDataException e = Assert.ThrowsExactly<InvalidDataException>(() => InceptionModel.Verify(crafted));

        StringAssert.Contains(e.Message, crafted);
        StringAssert.Contains(e.Message, "two entries named");
    }

    private static string OnnxEntry(ZipArchive archive) => archive.Entries.Single(e => e.FullName.EndsWith("/OnnxModel", StringComparison.Ordinal)).FullName;

    /// <summary>The ONNX bytes of a model zip: ML.NET stores them after their length, a 32-bit integer.</summary>
    private static byte[] OnnxBytes(string path)
    {
        using ZipArchive archive = ZipFile.OpenRead(path);
        using Stream stream = archive.GetEntry(OnnxEntry(archive))!.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray()[4..];
    }

    /// <summary>A copy of the model zip whose ONNX network <paramref name="edit"/> changed, every entry written afresh (with valid CRCs).</summary>
    private static string WithOnnx(string name, Action<ModelProto> edit, CompressionLevel level = CompressionLevel.Optimal)
    {
        ModelProto model = ModelProto.Parser.ParseFrom(OnnxBytes(zip));
        edit(model);
        byte[] onnx = model.ToByteArray();
        string path = Path.Combine(folder, name);
        using (ZipArchive source = ZipFile.OpenRead(zip))
        using (ZipArchive target = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            string onnxEntry = OnnxEntry(source);
            foreach (ZipArchiveEntry entry in source.Entries)
            {
                using Stream to = target.CreateEntry(entry.FullName, level).Open();
                if (entry.FullName == onnxEntry)
                {
                    to.Write(BitConverter.GetBytes(onnx.Length));
                    to.Write(onnx);
                }
                else
                {
                    using Stream from = entry.Open();
                    from.CopyTo(to);
                }
            }
        }

        return path;
    }
}

using TorchSharp;

namespace Microsoft.ML.Inception.Tests.Weights;

/// <summary>TorchSharp's weight format is written byte for byte as Module.save writes it, and damaged or foreign files fail clearly.</summary>
[TestClass]
public sealed class TorchSharpStateDictFormatTests
{
    [TestMethod]
    public void Write_IsByteForByteWhatModuleSaveWrites()
    {
        using var network = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.125, NumberOfClasses = 3 });
        using var saved = new MemoryStream();
        network.save(saved);
        using var written = new MemoryStream();

        TorchSharpStateDictFormat.Write(written, network.state_dict().Select(kv => KeyValuePair.Create(kv.Key, StoredTensor.From(kv.Value))).ToList());

        CollectionAssert.AreEqual(saved.ToArray(), written.ToArray());
    }

    [TestMethod]
    public void Read_WhatModuleSaveWrote_GivesEveryTensorByName()
    {
        using var network = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.125, NumberOfClasses = 3 });
        using var saved = new MemoryStream();
        network.save(saved);
        using var file = new MemoryStream(saved.ToArray());

        StoredWeights read = TorchSharpStateDictFormat.Read(file, "saved");

        CollectionAssert.AreEqual(network.state_dict().Keys.ToList(), read.Names.ToList());
        Assert.IsTrue(read.TryGet("conv1.bn.num_batches_tracked", out StoredTensor tracked));
        Assert.AreEqual(torch.ScalarType.Int64, tracked.Type);
    }

    [TestMethod]
    public void Read_TruncatedFile_SaysItIsNotAWeightFile()
    {
        using var network = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.125, NumberOfClasses = 3 });
        using var saved = new MemoryStream();
        network.save(saved);
        byte[] bytes = saved.ToArray();
        using var truncated = new MemoryStream(bytes[..(bytes.Length / 2)]);

        var e = Assert.ThrowsExactly<InvalidDataException>(() => TorchSharpStateDictFormat.Read(truncated, "half.dat"));

        StringAssert.Contains(e.Message, "'half.dat' is not a TorchSharp weight file (Module.save)");
    }
}

using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Microsoft.ML.Inception.Tests.Export;

/// <summary>
/// The exported ONNX model, run by ONNX Runtime with every graph optimisation on, agrees with the TorchSharp
/// network in eval mode on real images: probabilities within 1e-4, the same most probable class.
/// </summary>
[TestClass]
public sealed class GoogLeNetOnnxExportTests
{
    private static readonly Lazy<Tensor> Digits = new(LoadDigits);

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision, 0.25, 3, 32, 32)]
    [DataRow(GoogLeNetVariant.TorchVision, 0.5, 1, 45, 64)]
    [DataRow(GoogLeNetVariant.TorchVision, 0.25, 3, 96, 96)]
    [DataRow(GoogLeNetVariant.Paper, 0.25, 3, 32, 32)]
    [DataRow(GoogLeNetVariant.Paper, 0.5, 1, 57, 40)]
    [DataRow(GoogLeNetVariant.Paper, 0.25, 3, 100, 100)]
    public void Export_RunByOnnxRuntime_MatchesTorchSharpEval(GoogLeNetVariant variant, double width, int channels, int height, int widthPx)
    {
        torch.manual_seed(11);
        using var net = new GoogLeNet(new GoogLeNetOptions { Variant = variant, WidthMultiplier = width, InputChannels = channels, NumberOfClasses = 10 });
        Randomize(net);
        net.eval();
        float[] mean = Enumerable.Repeat(33f, channels).ToArray();
        float[] std = Enumerable.Repeat(77f, channels).ToArray();
        using Tensor images = Images(channels, height, widthPx);
        using Tensor expected = Expected(net, images, mean, std);

        float[] actual = RunOnnx(Export(net, height, widthPx, mean, std), images);

        AssertAgree(expected, actual);
    }

    [TestMethod]
    public void Export_PaperVariantWithoutLrn_MatchesTorchSharpEval()
    {
        torch.manual_seed(12);
        using var net = new GoogLeNet(new GoogLeNetOptions { Variant = GoogLeNetVariant.Paper, LocalResponseNormalization = false, WidthMultiplier = 0.25, NumberOfClasses = 7 });
        net.eval();
        using Tensor images = Images(3, 64, 64);
        using Tensor expected = Expected(net, images, [0f, 0f, 0f], [1f, 1f, 1f]);

        AssertAgree(expected, RunOnnx(Export(net, 64, 64, null, null), images));
    }

    [TestMethod]
    public void Export_FullWidthAt224_MatchesTorchSharpEval()
    {
        torch.manual_seed(13);
        using var net = new GoogLeNet(new GoogLeNetOptions { NumberOfClasses = 1000, AuxiliaryClassifiers = false });
        Randomize(net);
        net.eval();
        using Tensor images = Images(3, 224, 224).narrow(0, 0, 4);
        using Tensor expected = Expected(net, images, [120f, 115f, 100f], [60f, 60f, 60f]);

        AssertAgree(expected, RunOnnx(Export(net, 224, 224, [120f, 115f, 100f], [60f, 60f, 60f]), images));
    }

    [TestMethod]
    public void Export_BatchNormIsFoldedIntoTheConvolutions()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.25, NumberOfClasses = 3 });

        var model = Onnx.ModelProto.Parser.ParseFrom(Export(net, 32, 32, null, null));

        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "BatchNormalization"));
        Assert.AreEqual(57, model.Graph.Node.Count(n => n.OpType == "Conv"));
        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "Dropout"));
    }

    [TestMethod]
    public void Export_WrongStatisticsCount_Throws()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.25, NumberOfClasses = 3 });

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GoogLeNetOnnxExport.Export(net, Stream.Null, 32, 32, [1f], [1f, 1f, 1f]));

        Assert.AreEqual("mean", e.ParamName);
    }

    [TestMethod]
    public void Export_WithClassNames_ApplyOnnxModelNamesTheScoreSlots()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.25, NumberOfClasses = 3 });
        using var stream = new MemoryStream();
        GoogLeNetOnnxExport.Export(net, stream, 32, 32, classNames: ["cat", "dog", "bird"]);
        byte[] model = stream.ToArray();
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable([new PixelRow { Pixels = new float[3 * 32 * 32] }]);

        using var onnx = new MemoryStream(model);
        IDataView scored = ml.Transforms.ApplyOnnxModel(["InceptionScore"], [GoogLeNetOnnxExport.InputName], onnx).Fit(data).Transform(data);
        VBuffer<ReadOnlyMemory<char>> names = default;
        scored.Schema["InceptionScore"].GetSlotNames(ref names);

        CollectionAssert.AreEqual(new[] { "cat", "dog", "bird" }, names.DenseValues().Select(n => n.ToString()).ToArray());
        Assert.AreEqual(1f, scored.GetColumn<float[]>("InceptionScore").Single().Sum(), 1e-5f);
        using var images = torch.rand(2, 3, 32, 32);
        Assert.HasCount(6, RunOnnx(model, images), "ONNX Runtime should run the model with the class names in it.");
    }

    [TestMethod]
    public void Export_ClassNamesNotOnePerClass_Throws()
    {
        using var net = new GoogLeNet(new GoogLeNetOptions { WidthMultiplier = 0.25, NumberOfClasses = 3 });

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GoogLeNetOnnxExport.Export(net, Stream.Null, 32, 32, classNames: ["cat", "dog"]));

        Assert.AreEqual("classNames", e.ParamName);
        StringAssert.Contains(e.Message, "3 classes, but 2 class names");
    }

    /// <summary>One row of raw pixel values in the ONNX model's input layout.</summary>
    private sealed class PixelRow
    {
        [ColumnName(GoogLeNetOnnxExport.InputName)]
        [VectorType(3, 32, 32)]
        public float[] Pixels { get; set; } = [];
    }

    internal static byte[] Export(GoogLeNet net, int height, int width, float[]? mean, float[]? std)
    {
        using var stream = new MemoryStream();
        GoogLeNetOnnxExport.Export(net, stream, height, width, mean, std);
        return stream.ToArray();
    }

    internal static float[] RunOnnx(byte[] model, Tensor images)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        using var session = new InferenceSession(model, options);
        var input = new DenseTensor(images.contiguous().data<float>().ToArray(), images.shape.Select(d => (int)d).ToArray());
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(GoogLeNetOnnxExport.InputName, input)], [GoogLeNetOnnxExport.ProbabilitiesOutputName]);
        return results.Single().AsEnumerable<float>().ToArray();
    }

    private static Tensor Expected(GoogLeNet net, Tensor images, float[] mean, float[] std)
    {
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        Tensor m = torch.tensor(mean).view(1, -1, 1, 1);
        Tensor s = torch.tensor(std).view(1, -1, 1, 1);
        return nn.functional.softmax(net.call((images - m) / s), 1).MoveToOuterDisposeScope();
    }

    private static void AssertAgree(Tensor expected, float[] actual)
    {
        float[] torchProbabilities = expected.data<float>().ToArray();
        int classes = (int)expected.shape[1];
        Assert.HasCount(torchProbabilities.Length, actual);
        double maxDifference = torchProbabilities.Zip(actual).Max(p => Math.Abs(p.First - p.Second));
        Assert.IsLessThanOrEqualTo(1e-4, maxDifference, $"max |p_torch - p_onnx| = {maxDifference:E2}");
        for (int i = 0; i < torchProbabilities.Length / classes; i++)
        {
            var t = torchProbabilities.AsSpan(i * classes, classes).ToArray();
            var o = actual.AsSpan(i * classes, classes).ToArray();
            Assert.AreEqual(Array.IndexOf(t, t.Max()), Array.IndexOf(o, o.Max()), $"Image {i}: different most probable class.");
        }
    }

    /// <summary>Gives batch norm non-trivial statistics and the classifier larger weights, so folding and the softmax are really exercised.</summary>
    private static void Randomize(GoogLeNet net)
    {
        using var noGrad = torch.no_grad();
        foreach ((string name, Tensor tensor) in net.state_dict())
        {
            if (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("bn.bias", StringComparison.Ordinal))
            {
                tensor.copy_(torch.randn_like(tensor) * 0.2);
            }
            else if (name.EndsWith("running_var", StringComparison.Ordinal) || name.EndsWith("bn.weight", StringComparison.Ordinal))
            {
                tensor.copy_(torch.rand_like(tensor) + 0.5);
            }
            else if (name == "fc.weight")
            {
                tensor.mul_(30);
            }
        }
    }

    /// <summary>Sixteen real digits (two per class for eight classes), resized and repeated to the channel count, 0-255.</summary>
    private static Tensor Images(int channels, int height, int width)
    {
        Tensor digits = Digits.Value;
        using var scope = torch.NewDisposeScope();
        Tensor resized = nn.functional.interpolate(digits, [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.expand(-1, channels, -1, -1).contiguous().MoveToOuterDisposeScope();
    }

    private static Tensor LoadDigits()
    {
        IReadOnlyList<OpenCvDigits.Digit> all = OpenCvDigits.Load(OpenCvDigits.FindSheet(BuildMetadata.RepositoryRoot));
        var picked = all.Where(d => d.IndexInClass is 450 or 451 && d.Label < 8).ToList();
        float[] pixels = picked.SelectMany(d => d.Pixels.Select(p => (float)p)).ToArray();
        return torch.tensor(pixels, [picked.Count, 1, OpenCvDigits.CellSize, OpenCvDigits.CellSize]);
    }
}

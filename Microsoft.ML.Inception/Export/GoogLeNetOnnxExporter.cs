using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Writes a trained <see cref="GoogLeNet"/> (inference path: no dropout, no auxiliary heads) as an ONNX model
/// that takes raw pixel values and returns class probabilities: input normalisation, the network with batch
/// norm folded into the convolutions, and the softmax. Max pools with ceil_mode get explicit end padding, so
/// the result does not depend on how a runtime rounds pooled sizes.
/// </summary>
/// <remarks>
/// Graph inputs and outputs:
/// <list type="bullet">
/// <item><c>InceptionPixels</c>: N x C x H x W pixel values, as the image column holds them.</item>
/// <item><c>probabilities</c>: N x K softmax probabilities (for batch scoring with ONNX Runtime).</item>
/// <item><c>InceptionScore</c> and <c>InceptionArgmax</c>: the probabilities and a one-hot of the most probable
/// class of a single image, as K-vectors; the ML.NET scoring chain reads these (it scores one row at a time).</item>
/// </list>
/// </remarks>
internal static class GoogLeNetOnnxExporter
{
    public const string InputName = ImageDataReader.PixelColumn;
    public const string ScoreOutput = "InceptionScore";
    public const string ArgmaxOutput = "InceptionArgmax";
    public const string BatchProbabilitiesOutput = "probabilities";

    public static byte[] Export(
        GoogLeNet network, float[] mean, float[] std, int height, int width, IReadOnlyList<string>? classNames = null,
        InceptionTestTimeAugmentation augmentation = InceptionTestTimeAugmentation.None) =>
        Export([new OnnxMember(network, mean, std)], height, width, classNames, augmentation);

    /// <summary>
    /// Writes one model that scores every member network on every test-time view of the input and averages their
    /// softmax probabilities (views first, then members); each member keeps its own input normalisation.
    /// </summary>
    public static byte[] Export(
        IReadOnlyList<OnnxMember> members, int height, int width, IReadOnlyList<string>? classNames, InceptionTestTimeAugmentation augmentation)
    {
        GoogLeNetOptions first = members[0].Network.Options;
        var g = new OnnxGraphBuilder();
        int c = first.InputChannels;
        int k = first.NumberOfClasses;
        g.Input(InputName, -1, c, height, width);
        var memberProbabilities = new List<string>();
        for (int i = 0; i < members.Count; i++)
        {
            string prefix = members.Count == 1 ? string.Empty : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"member{i}.");
            string output = members.Count == 1 ? BatchProbabilitiesOutput : g.Name(prefix + "probabilities");
            memberProbabilities.Add(WriteMember(g, members[i], prefix, height, width, augmentation, output));
        }

        string probabilities = members.Count == 1
            ? memberProbabilities[0]
            : g.Node("Mean", [.. memberProbabilities], BatchProbabilitiesOutput);
        g.Output(BatchProbabilitiesOutput, -1, k);

        // One image at a time (ML.NET's ApplyOnnxModel): the first image's K-vectors, without the batch axis.
        string firstImage = g.Int64Initializer("first_image", 0);
        string firstProbabilities = g.Node("Gather", [probabilities, firstImage], g.Name("first_probabilities"), ("axis", 0L));
        g.Node("Squeeze", [firstProbabilities, firstImage], ScoreOutput);
        g.Output(ScoreOutput, k);
        string max = g.Node("ReduceMax", [firstProbabilities], g.Name("max"), ("axes", new long[] { 1 }), ("keepdims", 1L));
        string isMax = g.Node("Equal", [firstProbabilities, max], g.Name("is_max"));
        string oneHot = g.Node("Cast", [isMax], g.Name("one_hot"), ("to", 1L));
        g.Node("Squeeze", [oneHot, firstImage], ArgmaxOutput);
        g.Output(ArgmaxOutput, k);
        if (classNames is not null)
        {
            SlotNames(g, ScoreOutput, classNames);
        }

        return g.ToBytes(typeof(GoogLeNetOnnxExporter).Assembly.GetName().Version?.ToString() ?? "0");
    }

    /// <summary>One network: normalisation, the test-time views, GoogLeNet, softmax and the average over the views.</summary>
    private static string WriteMember(
        OnnxGraphBuilder g, OnnxMember member, string prefix, int height, int width, InceptionTestTimeAugmentation augmentation, string output)
    {
        GoogLeNet network = member.Network;
        GoogLeNetOptions o = network.Options;
        Dictionary<string, float[]> weights = ReadStateDict(network);
        var writer = new Writer(g, weights, prefix, o.Variant, height, width);
        int c = o.InputChannels;
        int k = o.NumberOfClasses;
        string x = g.Node("Sub", [InputName, g.Initializer(prefix + "mean", member.Mean, 1, c, 1, 1)], g.Name("centred"));
        x = g.Node("Div", [x, g.Initializer(prefix + "std", member.StandardDeviation, 1, c, 1, 1)], g.Name("normalised"));
        (x, int views) = TestTimeViews.Write(g, x, augmentation, height, width);
        x = writer.Conv(x, "conv1", 7, 2, 3);
        x = writer.MaxPool(x, 3, 2, 0);
        bool lrn = o.Variant == GoogLeNetVariant.Paper && o.LocalResponseNormalization;
        if (lrn)
        {
            x = Lrn(g, x);
        }

        x = writer.Conv(x, "conv2", 1, 1, 0);
        x = writer.Conv(x, "conv3", 3, 1, 1);
        if (lrn)
        {
            x = Lrn(g, x);
        }

        x = writer.MaxPool(x, 3, 2, 0);
        foreach ((string name, _) in GoogLeNetArchitecture.Modules)
        {
            if (name == "inception4a")
            {
                x = writer.MaxPool(x, 3, 2, 0);
            }
            else if (name == "inception5a")
            {
                x = writer.MaxPool(x, GoogLeNetArchitecture.MaxPool4Kernel(o.Variant), 2, 0);
            }

            x = writer.Inception(x, name);
        }

        x = g.Node("GlobalAveragePool", [x], g.Name("pooled"));
        x = g.Node("Flatten", [x], g.Name("features"), ("axis", 1L));
        string fcWeight = g.Initializer(prefix + "fc.weight", weights["fc.weight"], k, network.FeatureChannels);
        string fcBias = g.Initializer(prefix + "fc.bias", weights["fc.bias"], k);
        x = g.Node("Gemm", [x, fcWeight, fcBias], g.Name(prefix + "logits"), ("transB", 1L));
        string probabilities = g.Node("Softmax", [x], views == 1 ? output : g.Name(prefix + "view_probabilities"), ("axis", 1L));
        return views == 1 ? probabilities : TestTimeViews.Average(g, probabilities, views, k, output);
    }

    /// <summary>
    /// Names the slots of an output the way ML.NET's own ONNX export does, so that <c>ApplyOnnxModel</c> gives the
    /// column slot names: a LabelEncoder node called <c>mlnet.{output}.SlotNames</c> whose <c>keys_strings</c> are the
    /// names. The node maps the names to their indices; nothing consumes its result.
    /// </summary>
    private static void SlotNames(OnnxGraphBuilder g, string output, IReadOnlyList<string> names)
    {
        string nodeName = $"mlnet.{output}.SlotNames";
        string keys = g.StringInitializer($"{nodeName}.keys", names);
        g.Node(
            "LabelEncoder",
            OnnxGraphBuilder.MLDomain,
            nodeName,
            [keys],
            $"{nodeName}.indices",
            ("keys_strings", names.ToArray()),
            ("values_int64s", Enumerable.Range(0, names.Count).Select(i => (long)i).ToArray()),
            ("default_int64", -1L));
    }

    private static string Lrn(OnnxGraphBuilder g, string x) =>
        g.Node("LRN", [x], g.Name("lrn"), ("size", 5L), ("alpha", 1e-4f), ("beta", 0.75f), ("bias", 1f));

    private static Dictionary<string, float[]> ReadStateDict(GoogLeNet network)
    {
        using var noGrad = torch.no_grad();
        return network.state_dict()
            .Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => kv.Value.cpu().contiguous().data<float>().ToArray());
    }

    /// <summary>Emits convolution units and pools while tracking the feature map's height and width.</summary>
    private sealed class Writer(OnnxGraphBuilder g, Dictionary<string, float[]> weights, string prefix, GoogLeNetVariant variant, int height, int width)
    {
        private int h = height;
        private int w = width;

        public string Conv(string x, string layer, int kernel, int stride, int padding, bool trackShape = true)
        {
            float[] weight = weights[layer + ".conv.weight"];
            int outputs;
            float[] bias;
            float[] folded;
            if (variant == GoogLeNetVariant.Paper)
            {
                bias = weights[layer + ".conv.bias"];
                outputs = bias.Length;
                folded = weight;
            }
            else
            {
                float[] gamma = weights[layer + ".bn.weight"];
                float[] beta = weights[layer + ".bn.bias"];
                float[] runningMean = weights[layer + ".bn.running_mean"];
                float[] runningVar = weights[layer + ".bn.running_var"];
                outputs = gamma.Length;
                bias = new float[outputs];
                folded = new float[weight.Length];
                int perOutput = weight.Length / outputs;
                for (int o = 0; o < outputs; o++)
                {
                    double scale = gamma[o] / Math.Sqrt(runningVar[o] + ConvBlock.BatchNormEpsilon);
                    bias[o] = (float)(beta[o] - (runningMean[o] * scale));
                    for (int i = 0; i < perOutput; i++)
                    {
                        folded[(o * perOutput) + i] = (float)(weight[(o * perOutput) + i] * scale);
                    }
                }
            }

            int inputs = weight.Length / (outputs * kernel * kernel);
            string wName = g.Initializer(prefix + layer + ".weight", folded, outputs, inputs, kernel, kernel);
            string bName = g.Initializer(prefix + layer + ".bias", bias, outputs);
            string y = g.Node(
                "Conv",
                [x, wName, bName],
                g.Name(prefix + layer + ".conv"),
                ("kernel_shape", new long[] { kernel, kernel }),
                ("strides", new long[] { stride, stride }),
                ("pads", new long[] { padding, padding, padding, padding }));
            if (trackShape)
            {
                h = GoogLeNetArchitecture.ConvolutionOutput(h, kernel, stride, padding);
                w = GoogLeNetArchitecture.ConvolutionOutput(w, kernel, stride, padding);
            }

            return g.Node("Relu", [y], g.Name(prefix + layer + ".relu"));
        }

        public string MaxPool(string x, int kernel, int stride, int padding, bool trackShape = true)
        {
            int outH = GoogLeNetArchitecture.CeilPoolOutput(h, kernel, stride, padding);
            int outW = GoogLeNetArchitecture.CeilPoolOutput(w, kernel, stride, padding);
            long endH = ((long)(outH - 1) * stride) + kernel - h - padding;
            long endW = ((long)(outW - 1) * stride) + kernel - w - padding;
            string y = g.Node(
                "MaxPool",
                [x],
                g.Name("maxpool"),
                ("kernel_shape", new long[] { kernel, kernel }),
                ("strides", new long[] { stride, stride }),
                ("pads", new long[] { padding, padding, Math.Max(0, endH), Math.Max(0, endW) }));
            if (trackShape)
            {
                (h, w) = (outH, outW);
            }

            return y;
        }

        public string Inception(string x, string name)
        {
            int k = GoogLeNetArchitecture.ThirdBranchKernel(variant);
            string b1 = Conv(x, name + ".branch1", 1, 1, 0, trackShape: false);
            string b2 = Conv(Conv(x, name + ".branch2.0", 1, 1, 0, trackShape: false), name + ".branch2.1", 3, 1, 1, trackShape: false);
            string b3 = Conv(Conv(x, name + ".branch3.0", 1, 1, 0, trackShape: false), name + ".branch3.1", k, 1, k / 2, trackShape: false);
            string b4 = Conv(MaxPool(x, 3, 1, 1, trackShape: false), name + ".branch4.1", 1, 1, 0, trackShape: false);
            return g.Node("Concat", [b1, b2, b3, b4], g.Name(name), ("axis", 1L));
        }
    }
}

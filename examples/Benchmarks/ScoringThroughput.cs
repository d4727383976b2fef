using System.Globalization;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;
using Tensor = TorchSharp.torch.Tensor;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Inference images/s of the same GoogLeNet two ways, side by side: TorchSharp in eval mode (normalisation, network,
/// softmax) and the exported ONNX model in ONNX Runtime (all graph optimisations, intra-op threads = the thread count).
/// Median of timed batches after warm-up; random pixel values.
/// </summary>
internal static class ScoringThroughput
{
    public sealed record Case(GoogLeNetVariant Variant, double Width, int Size, int Batch);

    public sealed record Result(Case Case, double TorchSharpImagesPerSecond, double OnnxImagesPerSecond, long OnnxBytes);

    public static Result Measure(Case c, int threads, int warmup, int repeats)
    {
        torch.manual_seed(1);
        using var net = new GoogLeNet(new GoogLeNetOptions { Variant = c.Variant, WidthMultiplier = c.Width, NumberOfClasses = 10 });
        net.eval();
        float[] mean = [120f, 120f, 120f];
        float[] std = [60f, 60f, 60f];
        using var onnx = new MemoryStream();
        GoogLeNetOnnxExport.Export(net, onnx, c.Size, c.Size, mean, std);
        using Tensor pixels = torch.rand(c.Batch, 3, c.Size, c.Size) * 255;
        using Tensor m = torch.tensor(mean).view(1, 3, 1, 1);
        using Tensor s = torch.tensor(std).view(1, 3, 1, 1);

        double torchRate = Throughput.MedianImagesPerSecond(c.Batch, warmup, repeats, () =>
        {
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            nn.functional.softmax(net.call((pixels - m) / s), 1).data<float>().ToArray();
        });

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
        };
        using var session = new InferenceSession(onnx.ToArray(), options);
        var input = new DenseTensor(pixels.contiguous().data<float>().ToArray(), [c.Batch, 3, c.Size, c.Size]);
        NamedOnnxValue[] inputs = [NamedOnnxValue.CreateFromTensor(GoogLeNetOnnxExport.InputName, input)];
        string[] outputs = [GoogLeNetOnnxExport.ProbabilitiesOutputName];
        double onnxRate = Throughput.MedianImagesPerSecond(c.Batch, warmup, repeats, () =>
        {
            using var results = session.Run(inputs, outputs);
            results[0].AsEnumerable<float>().ToArray();
        });

        return new Result(c, torchRate, onnxRate, onnx.Length);
    }

    public static string Report(IReadOnlyList<Result> results)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| variant | width | input | batch | TorchSharp eval images/s | ONNX Runtime images/s | ONNX / TorchSharp | ONNX model size |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (Result r in results)
        {
            text.AppendLine(c, $"| {r.Case.Variant} | {r.Case.Width} | {r.Case.Size}x{r.Case.Size} | {r.Case.Batch} | {r.TorchSharpImagesPerSecond:F1} | {r.OnnxImagesPerSecond:F1} | {r.OnnxImagesPerSecond / r.TorchSharpImagesPerSecond:F2}x | {r.OnnxBytes / 1024.0 / 1024.0:F1} MB |");
        }

        return text.ToString();
    }
}

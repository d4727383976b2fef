using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception.Tests.Network;

/// <summary>
/// libtorch's CPU convolutions, as the library leaves them configured, against a direct double-precision sum, and
/// GoogLeNet's training step repeated on the same weights and input. Both failed on AMD EPYC machines whose oneDNN saw
/// one-byte caches (see <see cref="CpuConvolutionCheck"/>).
/// </summary>
[TestClass]
public sealed class CpuConvolutionTests
{
    private int threadsBefore;

    [TestInitialize]
    public void Configure()
    {
        threadsBefore = torch.get_num_threads();
        CpuConvolutionCheck.EnsureCorrect();
    }

    [TestCleanup]
    public void RestoreThreads() => torch.set_num_threads(threadsBefore);

    [TestMethod]
    [DataRow(1)]
    [DataRow(2)]
    public void Conv2d_ShapesOfGoogLeNetBranches_ForwardAndBothGradientsMatchADirectSum(int threads)
    {
        torch.set_num_threads(threads);
        var wrong = new List<string>();
        foreach (int inputChannels in new[] { 3, 8, 20, 24, 28, 40 })
        {
            foreach (int kernel in new[] { 1, 3, 5 })
            {
                foreach (int size in new[] { 1, 2, 4, 7 })
                {
                    foreach (bool channelsLast in new[] { false, true })
                    {
                        double error = LargestError(batch: 16, inputChannels, outputChannels: 8, size, kernel, channelsLast);
                        if (!(error <= 1e-3))
                        {
                            wrong.Add($"{inputChannels}->8 {kernel}x{kernel} on {size}x{size}{(channelsLast ? " channels-last" : string.Empty)}: off by {error:G3}");
                        }
                    }
                }
            }
        }

        Assert.IsEmpty(wrong, $"{wrong.Count} convolution(s) at {threads} thread(s) differ from the direct sum: {string.Join("; ", wrong)}");
    }

    [TestMethod]
    [DataRow(GoogLeNetVariant.TorchVision, false)]
    [DataRow(GoogLeNetVariant.TorchVision, true)]
    [DataRow(GoogLeNetVariant.Paper, false)]
    [DataRow(GoogLeNetVariant.Paper, true)]
    public void TrainingStep_RepeatedOnTheSameWeightsAndInput_GivesBitIdenticalFiniteGradients(GoogLeNetVariant variant, bool auxiliary)
    {
        var differences = new List<string>();
        foreach (int threads in new[] { 1, 2 })
        {
            foreach (bool channelsLast in new[] { false, true })
            {
                torch.set_num_threads(threads);
                torch.manual_seed(7);
                using var net = new GoogLeNet(new GoogLeNetOptions
                {
                    Variant = variant, NumberOfClasses = 10, InputChannels = 1, WidthMultiplier = 0.125,
                    AuxiliaryClassifiers = auxiliary, Dropout = 0, AuxiliaryDropout = 0, ChannelsLast = channelsLast,
                });
                net.train();
                using Tensor input = torch.randn(8, 1, 32, 32);
                using Tensor target = torch.arange(8) % 10;
                float[]? first = null;
                for (int pass = 0; pass < 6; pass++)
                {
                    float[] gradients = Gradients(net, input, target);
                    string where = $"{threads} thread(s), {(channelsLast ? "channels-last" : "contiguous")}, pass {pass}";
                    if (gradients.Any(g => !float.IsFinite(g)))
                    {
                        differences.Add($"{where}: non-finite gradient");
                    }
                    else if (first is null)
                    {
                        first = gradients;
                    }
                    else if (!first.AsSpan().SequenceEqual(gradients))
                    {
                        differences.Add($"{where}: differs from the first pass");
                    }
                }
            }
        }

        Assert.IsEmpty(differences, string.Join("; ", differences));
    }

    /// <summary>All parameter gradients of one forward and backward pass, batch-norm statistics restored afterwards.</summary>
    private static float[] Gradients(GoogLeNet net, Tensor input, Tensor target)
    {
        using var scope = torch.NewDisposeScope();
        var buffers = net.named_buffers().Select(b => (b.buffer, Saved: b.buffer.clone())).ToList();
        net.zero_grad();
        GoogLeNetOutput output = net.ForwardWithAuxiliary(input);
        Tensor loss = nn.functional.cross_entropy(output.Logits, target);
        if (output.Auxiliary1 is not null && output.Auxiliary2 is not null)
        {
            loss = loss + (0.3 * (nn.functional.cross_entropy(output.Auxiliary1, target) + nn.functional.cross_entropy(output.Auxiliary2, target)));
        }

        loss.backward();
        float[] gradients = net.parameters().SelectMany(p => p.grad!.contiguous().data<float>().ToArray()).ToArray();
        using (torch.no_grad())
        {
            foreach ((Tensor buffer, Tensor saved) in buffers)
            {
                buffer.copy_(saved);
            }
        }

        return gradients;
    }

    /// <summary>
    /// Largest difference, relative to 1 + |expected|, between libtorch and a direct double sum over the output, the input
    /// gradient and the weight gradient of a stride-1 "same" convolution, for the loss sum(output * upstream); NaN counts
    /// as infinite.
    /// </summary>
    private static double LargestError(int batch, int inputChannels, int outputChannels, int size, int kernel, bool channelsLast)
    {
        var random = new Random((inputChannels * 31) + (kernel * 7) + size);
        float[] x = Values(random, batch * inputChannels * size * size, 1);
        float[] w = Values(random, outputChannels * inputChannels * kernel * kernel, 0.1f);
        float[] g = Values(random, batch * outputChannels * size * size, 1);
        float[] y, dx, dw;
        using (var scope = torch.NewDisposeScope())
        {
            Tensor input = torch.tensor(x, [batch, inputChannels, size, size]);
            if (channelsLast)
            {
                input = input.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            }

            input.requires_grad_(true);
            Tensor weight = torch.tensor(w, [outputChannels, inputChannels, kernel, kernel]).requires_grad_(true);
            Tensor output = nn.functional.conv2d(input, weight, padding: [kernel / 2, kernel / 2]);
            (output * torch.tensor(g, [batch, outputChannels, size, size])).sum().backward();
            y = output.contiguous().data<float>().ToArray();
            dx = input.grad!.contiguous().data<float>().ToArray();
            dw = weight.grad!.contiguous().data<float>().ToArray();
        }

        var expectedY = new double[y.Length];
        var expectedDx = new double[dx.Length];
        var expectedDw = new double[dw.Length];
        int pad = kernel / 2;
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outputChannels; o++)
            {
                for (int oy = 0; oy < size; oy++)
                {
                    for (int ox = 0; ox < size; ox++)
                    {
                        int yi = (((n * outputChannels) + o) * size + oy) * size + ox;
                        for (int c = 0; c < inputChannels; c++)
                        {
                            for (int ky = 0; ky < kernel; ky++)
                            {
                                for (int kx = 0; kx < kernel; kx++)
                                {
                                    int iy = oy + ky - pad;
                                    int ix = ox + kx - pad;
                                    if (iy < 0 || iy >= size || ix < 0 || ix >= size)
                                    {
                                        continue;
                                    }

                                    int xi = (((n * inputChannels) + c) * size + iy) * size + ix;
                                    int wi = (((o * inputChannels) + c) * kernel + ky) * kernel + kx;
                                    expectedY[yi] += x[xi] * (double)w[wi];
                                    expectedDx[xi] += g[yi] * (double)w[wi];
                                    expectedDw[wi] += g[yi] * (double)x[xi];
                                }
                            }
                        }
                    }
                }
            }
        }

        return new[] { Largest(y, expectedY), Largest(dx, expectedDx), Largest(dw, expectedDw) }.Max();
    }

    private static double Largest(float[] actual, double[] expected)
    {
        double largest = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double difference = Math.Abs(actual[i] - expected[i]) / (1 + Math.Abs(expected[i]));
            largest = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(largest, difference);
        }

        return largest;
    }

    private static float[] Values(Random random, int count, float scale) =>
        Enumerable.Range(0, count).Select(_ => scale * ((2 * (float)random.NextDouble()) - 1)).ToArray();
}

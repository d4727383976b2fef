using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Makes sure libtorch computes CPU convolutions correctly on this machine before the first <see cref="GoogLeNet"/> is
/// built, and switches libtorch's oneDNN convolutions off for the process where they do not.
/// </summary>
/// <remarks>
/// <para>
/// libtorch 2.10 (TorchSharp 0.107) hands float convolutions on x86-64 to oneDNN 3.7, whose JIT kernels choose their
/// blocking from the sizes of the CPU's caches. On AMD processors oneDNN 3.7 reads those sizes from CPUID leaf
/// 0x8000001D without checking that the leaf describes any cache; some hypervisors (the Firecracker VMs with AMD EPYC
/// this project runs on among them) report that leaf as zeros, so oneDNN takes every cache to hold one byte. Its
/// AVX2 and AVX-512 convolutions then give wrong forward results for many shapes (off by up to 4 with 20 to 40 input
/// channels and 3x3 or 5x5 kernels, as in GoogLeNet's narrow branches), and the backward pass reads memory it never wrote: NaN and
/// run-to-run different gradients, more often when the machine is busy. oneDNN 3.8 reads the leaf correctly.
/// </para>
/// <para>
/// The check convolves fixed inputs (20 and 24 channels, 3x3 and 5x5 kernels: shapes that fail on such machines)
/// and compares the result with a direct double-precision sum. If libtorch is wrong, the check turns oneDNN (and NNPACK)
/// off through <see cref="LibTorchContext"/>, so libtorch uses its own im2col and GEMM convolutions, and checks again.
/// The forward pass suffices: on such processors it is wrong every time for these shapes, while the backward pass fails
/// only now and then. The check draws nothing from TorchSharp's random generator, runs once per process and never turns
/// oneDNN back on; the switch holds for every TorchSharp convolution in the process.
/// </para>
/// </remarks>
internal static class CpuConvolutionCheck
{
    private static readonly Lazy<string?> Outcome = new(Run, LazyThreadSafetyMode.ExecutionAndPublication);

    // The shapes below come from a sweep on an affected machine: every contiguous convolution with 20 to 40 input
    // channels, not a multiple of 16, and a 3x3 or 5x5 kernel on 2x2 to 8x8 maps was wrong there.
    private static readonly (int Batch, int InputChannels, int OutputChannels, int Size, int Kernel)[] Cases =
    [
        (16, 20, 8, 4, 3),
        (16, 24, 8, 4, 5),
    ];

    private const double Tolerance = 1e-3;

    /// <summary>
    /// What the check did in this process: <see langword="null"/> when libtorch's default convolutions are correct
    /// here, otherwise a sentence saying that oneDNN was turned off and why.
    /// </summary>
    /// <exception cref="InvalidOperationException">Convolutions stay wrong even without oneDNN, or oneDNN cannot be turned off.</exception>
    public static string? EnsureCorrect() => Outcome.Value;

    private static string? Run()
    {
        if (RuntimeInformation.ProcessArchitecture != Architecture.X64 || LargestError() is not double error)
        {
            return null;
        }

        if (!LibTorchContext.Available)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"libtorch's CPU convolutions give wrong results on this processor (off by {error:G3} in a self-check), and oneDNN, which computes them, cannot be turned off here: libtorch_cpu does not export at::Context::setUserEnabledMkldnn. Training here would produce a broken model."));
        }

        // NNPACK, libtorch's next choice for batches of 16 or more, finds no caches on such processors either: it fails to
        // start and prints a warning at every convolution. Off with it too.
        LibTorchContext.OneDnnEnabled = false;
        LibTorchContext.NNPackEnabled = false;
        if (LargestError() is double stillWrong)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"libtorch's CPU convolutions give wrong results on this processor (off by {error:G3} in a self-check), and still by {stillWrong:G3} with oneDNN turned off. Training here would produce a broken model."));
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"oneDNN convolutions are off in this process: on this processor they were off by {error:G3} in a self-check (oneDNN 3.7 misreads the cache sizes of AMD processors whose CPUID leaf 0x8000001D is empty, as in some virtual machines); libtorch's own convolutions are used instead, which are correct and slower.");
    }

    /// <summary>The largest error over <see cref="Cases"/> if it exceeds <see cref="Tolerance"/>, otherwise null.</summary>
    private static double? LargestError()
    {
        double largest = 0;
        foreach (var (batch, inputChannels, outputChannels, size, kernel) in Cases)
        {
            float[] input = Deterministic(batch * inputChannels * size * size, seed: 1, scale: 1);
            float[] weight = Deterministic(outputChannels * inputChannels * kernel * kernel, seed: 2, scale: 0.1f);
            float[] actual;
            using (var scope = torch.NewDisposeScope())
            {
                Tensor x = torch.tensor(input, [batch, inputChannels, size, size]);
                Tensor w = torch.tensor(weight, [outputChannels, inputChannels, kernel, kernel]);
                actual = nn.functional.conv2d(x, w, padding: [kernel / 2, kernel / 2]).contiguous().data<float>().ToArray();
            }

            double[] expected = DirectConvolution(input, weight, batch, inputChannels, outputChannels, size, kernel);
            for (int i = 0; i < expected.Length; i++)
            {
                // NaN compares false with everything, so it counts as an infinite error.
                double difference = Math.Abs(actual[i] - expected[i]);
                largest = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(largest, difference);
            }
        }

        return largest > Tolerance ? largest : null;
    }

    /// <summary>A stride-1 convolution with "same" zero padding, summed in double.</summary>
    private static double[] DirectConvolution(float[] input, float[] weight, int batch, int inputChannels, int outputChannels, int size, int kernel)
    {
        int pad = kernel / 2;
        var output = new double[batch * outputChannels * size * size];
        for (int n = 0; n < batch; n++)
        {
            for (int o = 0; o < outputChannels; o++)
            {
                for (int y = 0; y < size; y++)
                {
                    for (int x = 0; x < size; x++)
                    {
                        double sum = 0;
                        for (int c = 0; c < inputChannels; c++)
                        {
                            for (int ky = 0; ky < kernel; ky++)
                            {
                                int iy = y + ky - pad;
                                if (iy < 0 || iy >= size)
                                {
                                    continue;
                                }

                                for (int kx = 0; kx < kernel; kx++)
                                {
                                    int ix = x + kx - pad;
                                    if (ix >= 0 && ix < size)
                                    {
                                        sum += input[(((n * inputChannels) + c) * size + iy) * size + ix]
                                            * (double)weight[(((o * inputChannels) + c) * kernel + ky) * kernel + kx];
                                    }
                                }
                            }
                        }

                        output[(((n * outputChannels) + o) * size + y) * size + x] = sum;
                    }
                }
            }
        }

        return output;
    }

    /// <summary>Values in [-scale, scale) from a fixed seed, independent of TorchSharp's random generator.</summary>
    private static float[] Deterministic(int count, int seed, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = scale * ((2 * (float)random.NextDouble()) - 1);
        }

        return values;
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Turns <see cref="InceptionOptions.Device"/> into a TorchSharp device, refusing CUDA where there is none. Fit calls it
/// before reading any image, so a missing libtorch is reported before long work.
/// </summary>
internal static class TrainingDevice
{
    /// <exception cref="InvalidOperationException">The application has no libtorch, or CUDA was asked for and TorchSharp has no CUDA device.</exception>
    public static Device Require(string? name)
    {
        LibTorchRuntime.EnsureAvailable();
        string device = name ?? "cpu";
        if (device.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
        {
            throw new InvalidOperationException(
                $"{nameof(InceptionOptions.Device)} is '{device}', but TorchSharp finds no CUDA device here (a libtorch-cpu package has none). Use \"cpu\", or, on a machine with an NVIDIA GPU, reference libtorch-cuda-12.8-linux-x64 or libtorch-cuda-12.8-win-x64 {LibTorchRuntime.Version} instead of the libtorch-cpu package.");
        }

        return torch.device(device);
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>Turns <see cref="InceptionOptions.Device"/> into a TorchSharp device, refusing CUDA where there is none.</summary>
internal static class TrainingDevice
{
    /// <exception cref="InvalidOperationException">CUDA was asked for and TorchSharp has no CUDA device.</exception>
    public static Device Require(string? name)
    {
        string device = name ?? "cpu";
        if (device.StartsWith("cuda", StringComparison.Ordinal) && !torch.cuda.is_available())
        {
            throw new InvalidOperationException(
                $"{nameof(InceptionOptions.Device)} is '{device}', but TorchSharp finds no CUDA device here (the TorchSharp-cpu package has none). Use \"cpu\", or reference a TorchSharp CUDA package on a machine with an NVIDIA GPU.");
        }

        return torch.device(device);
    }
}

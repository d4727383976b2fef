namespace Microsoft.ML.Inception;

/// <summary>
/// The layer sizes of GoogLeNet at width 1 (Table 1 of the paper) and the arithmetic of their output
/// sizes. The network and its summary are both built from these, so they cannot drift apart.
/// </summary>
internal static class GoogLeNetArchitecture
{
    public const int Conv1Channels = 64;
    public const int Conv2Channels = 64;
    public const int Conv3Channels = 192;
    public const int AuxiliaryConvChannels = 128;
    public const int AuxiliaryHiddenUnits = 1024;

    /// <summary>Both auxiliary heads pool their input to 4x4 (the paper: 5x5 average pool, stride 3, on 14x14).</summary>
    public const int AuxiliaryPoolSize = 4;

    /// <summary>The nine Inception modules in order; each pair says after which max pool, if any, it comes.</summary>
    public static readonly IReadOnlyList<(string Name, InceptionModuleSpec Spec)> Modules =
    [
        ("inception3a", new InceptionModuleSpec(192, 64, 96, 128, 16, 32, 32)),
        ("inception3b", new InceptionModuleSpec(256, 128, 128, 192, 32, 96, 64)),
        ("inception4a", new InceptionModuleSpec(480, 192, 96, 208, 16, 48, 64)),
        ("inception4b", new InceptionModuleSpec(512, 160, 112, 224, 24, 64, 64)),
        ("inception4c", new InceptionModuleSpec(512, 128, 128, 256, 24, 64, 64)),
        ("inception4d", new InceptionModuleSpec(512, 112, 144, 288, 32, 64, 64)),
        ("inception4e", new InceptionModuleSpec(528, 256, 160, 320, 32, 128, 128)),
        ("inception5a", new InceptionModuleSpec(832, 256, 160, 320, 32, 128, 128)),
        ("inception5b", new InceptionModuleSpec(832, 384, 192, 384, 48, 128, 128)),
    ];

    /// <summary>Kernel of the third ("5x5") branch: 5 in the paper, 3 in torchvision.</summary>
    public static int ThirdBranchKernel(GoogLeNetVariant variant) => variant == GoogLeNetVariant.Paper ? 5 : 3;

    /// <summary>Kernel of the max pool before inception 5a: 3x3/2 in the paper, 2x2/2 in torchvision.</summary>
    public static int MaxPool4Kernel(GoogLeNetVariant variant) => variant == GoogLeNetVariant.Paper ? 3 : 2;

    /// <summary>Output size of a convolution along one axis.</summary>
    public static int ConvolutionOutput(int size, int kernel, int stride = 1, int padding = 0) =>
        ((size + (2 * padding) - kernel) / stride) + 1;

    /// <summary>Output size of a max pool with ceil_mode along one axis, as PyTorch computes it.</summary>
    public static int CeilPoolOutput(int size, int kernel, int stride, int padding = 0)
    {
        int output = (int)Math.Ceiling((size + (2.0 * padding) - kernel) / stride) + 1;

        // PyTorch drops a last window that would start inside the right padding.
        if ((output - 1) * stride >= size + padding)
        {
            output--;
        }

        return output;
    }
}

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// The convolution unit every GoogLeNet layer is made of: conv + ReLU in the paper; bias-free conv +
/// BatchNorm (eps 0.001) + ReLU in torchvision. Named children ("conv", "bn") give torchvision's
/// parameter names, e.g. <c>inception3a.branch2.1.conv.weight</c>.
/// </summary>
internal static class ConvBlock
{
    public const double BatchNormEpsilon = 0.001;

    public static nn.Module<Tensor, Tensor> Create(
        GoogLeNetVariant variant, int inputChannels, int outputChannels, int kernel, int stride = 1, int padding = 0)
    {
        if (variant == GoogLeNetVariant.Paper)
        {
            return nn.Sequential(
                ("conv", nn.Conv2d(inputChannels, outputChannels, kernel, stride: stride, padding: padding, bias: true)),
                ("relu", nn.ReLU(inplace: true)));
        }

        return nn.Sequential(
            ("conv", nn.Conv2d(inputChannels, outputChannels, kernel, stride: stride, padding: padding, bias: false)),
            ("bn", nn.BatchNorm2d(outputChannels, eps: BatchNormEpsilon)),
            ("relu", nn.ReLU(inplace: true)));
    }
}

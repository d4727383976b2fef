using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// One Inception module (Figure 2b of the paper): four branches on the same input, concatenated on the
/// channel axis. (1) 1x1 conv; (2) 1x1 reduction then 3x3 conv; (3) 1x1 reduction then 5x5 conv (3x3 in
/// the torchvision variant); (4) 3x3 max pool, stride 1, then 1x1 projection. Padding keeps every
/// branch at the input's height and width.
/// </summary>
public sealed class InceptionModule : nn.Module<Tensor, Tensor>
{
    // Field names are torchvision's: they become the state_dict keys.
#pragma warning disable IDE1006 // Naming Styles
    private readonly nn.Module<Tensor, Tensor> branch1;
    private readonly nn.Module<Tensor, Tensor> branch2;
    private readonly nn.Module<Tensor, Tensor> branch3;
    private readonly nn.Module<Tensor, Tensor> branch4;
#pragma warning restore IDE1006

    /// <summary>Creates an Inception module.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="spec">Channel counts of the four branches.</param>
    /// <param name="variant">Paper (5x5, no batch norm) or torchvision (3x3, batch norm) layers.</param>
    public InceptionModule(string name, InceptionModuleSpec spec, GoogLeNetVariant variant)
        : base(name)
    {
        Spec = spec;
        int kernel = GoogLeNetArchitecture.ThirdBranchKernel(variant);
        branch1 = ConvBlock.Create(variant, spec.InputChannels, spec.Conv1x1, 1);
        branch2 = nn.Sequential(
            ConvBlock.Create(variant, spec.InputChannels, spec.Reduce3x3, 1),
            ConvBlock.Create(variant, spec.Reduce3x3, spec.Conv3x3, 3, padding: 1));
        branch3 = nn.Sequential(
            ConvBlock.Create(variant, spec.InputChannels, spec.Reduce5x5, 1),
            ConvBlock.Create(variant, spec.Reduce5x5, spec.Conv5x5, kernel, padding: kernel / 2));
        branch4 = nn.Sequential(
            nn.MaxPool2d(3, stride: 1, padding: 1, ceil_mode: true),
            ConvBlock.Create(variant, spec.InputChannels, spec.PoolProjection, 1));
        RegisterComponents();
    }

    /// <summary>The channel counts this module was built with.</summary>
    public InceptionModuleSpec Spec { get; }

    /// <summary>Runs the four branches and concatenates their outputs on the channel axis.</summary>
    /// <param name="input">N x <see cref="InceptionModuleSpec.InputChannels"/> x H x W.</param>
    /// <returns>N x <see cref="InceptionModuleSpec.OutputChannels"/> x H x W.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor output = cat([branch1.call(input), branch2.call(input), branch3.call(input), branch4.call(input)], 1);
        return output.MoveToOuterDisposeScope();
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            branch1.Dispose();
            branch2.Dispose();
            branch3.Dispose();
            branch4.Dispose();
        }

        base.Dispose(disposing);
    }
}

using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// An auxiliary classifier (the paper's side heads on inception 4a and 4d, used in training only):
/// average pool to 4x4, 1x1 conv to 128 channels + ReLU, fully connected 1024 + ReLU, 70% dropout,
/// linear to the classes.
/// </summary>
public sealed class AuxiliaryClassifier : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Naming Styles: field names are torchvision's state_dict keys.
    private readonly nn.Module<Tensor, Tensor> conv;
    private readonly Linear fc1;
    private Linear fc2;
    private readonly Dropout dropout;
#pragma warning restore IDE1006
    private readonly GoogLeNetVariant variant;

    /// <summary>Creates an auxiliary classifier.</summary>
    /// <param name="name">The module's name.</param>
    /// <param name="inputChannels">Channels of the Inception module it sits on.</param>
    /// <param name="numberOfClasses">Number of output classes.</param>
    /// <param name="options">Variant, width and dropout.</param>
    public AuxiliaryClassifier(string name, int inputChannels, int numberOfClasses, GoogLeNetOptions options)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(options);
        variant = options.Variant;
        int convChannels = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.AuxiliaryConvChannels, options.WidthMultiplier);
        int hidden = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.AuxiliaryHiddenUnits, options.WidthMultiplier);
        int pooled = GoogLeNetArchitecture.AuxiliaryPoolSize * GoogLeNetArchitecture.AuxiliaryPoolSize;
        conv = ConvBlock.Create(variant, inputChannels, convChannels, 1);
        fc1 = nn.Linear(convChannels * pooled, hidden);
        fc2 = nn.Linear(hidden, numberOfClasses);
        dropout = nn.Dropout(options.AuxiliaryDropout);
        RegisterComponents();
    }

    /// <summary>Computes auxiliary class scores (logits).</summary>
    /// <param name="input">N x C x H x W output of inception 4a or 4d.</param>
    /// <returns>N x classes logits.</returns>
    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = Pool(input);
        x = conv.call(x).flatten(1);
        x = dropout.call(nn.functional.relu(fc1.call(x)));
        return fc2.call(x).MoveToOuterDisposeScope();
    }

    /// <summary>Replaces the last linear layer with a freshly initialised one for a new number of classes.</summary>
    /// <param name="numberOfClasses">The new number of classes.</param>
    internal void ResetClassifier(int numberOfClasses)
    {
        var replacement = nn.Linear(fc2.in_features, numberOfClasses);
        GoogLeNet.InitializeLinear(replacement);
        register_module(nameof(fc2), null!);
        fc2.Dispose();
        fc2 = replacement;
        register_module(nameof(fc2), fc2);
    }

    private Tensor Pool(Tensor input)
    {
        // The paper pools 14x14 maps with a 5x5 window at stride 3, giving 4x4. Where that window gives
        // 4x4 here too, keep it exactly; at other input sizes adaptive pooling keeps the head's size.
        int size = GoogLeNetArchitecture.AuxiliaryPoolSize;
        if (variant == GoogLeNetVariant.Paper
            && GoogLeNetArchitecture.ConvolutionOutput((int)input.shape[2], 5, 3) == size
            && GoogLeNetArchitecture.ConvolutionOutput((int)input.shape[3], 5, 3) == size)
        {
            return nn.functional.avg_pool2d(input, 5, 3);
        }

        return nn.functional.adaptive_avg_pool2d(input, [size, size]);
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv.Dispose();
            fc1.Dispose();
            fc2.Dispose();
            dropout.Dispose();
        }

        base.Dispose(disposing);
    }
}

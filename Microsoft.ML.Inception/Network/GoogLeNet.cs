using System.Globalization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// GoogLeNet (Inception v1, Szegedy et al., 2014, "Going Deeper with Convolutions") as a TorchSharp module,
/// in the paper's form or torchvision's (<see cref="GoogLeNetVariant"/>), for any number of classes,
/// 1 or 3 input channels, inputs from 32x32 up and any width.
/// </summary>
/// <remarks>
/// <para>
/// Child modules carry torchvision's names (<c>conv1</c>, <c>maxpool1</c>, <c>conv2</c>, <c>conv3</c>,
/// <c>maxpool2</c>, <c>inception3a</c> ... <c>inception5b</c>, <c>aux1</c>, <c>aux2</c>, <c>avgpool</c>,
/// <c>dropout</c>, <c>fc</c>), so a PyTorch <c>googlenet</c> state_dict maps onto the torchvision variant
/// one to one. The paper's <c>conv2</c> row (1x1 reduction then 3x3) is torchvision's <c>conv2</c> + <c>conv3</c>.
/// </para>
/// <para>
/// <see cref="nn.Module{T, TResult}.forward"/> returns the main logits. Training code that weights the
/// auxiliary losses (the paper: 0.3 each) calls <see cref="ForwardWithAuxiliary"/> instead.
/// The head is pooled adaptively to 1x1, which equals the paper's 7x7 average pool at 224x224 and
/// works at any other input size.
/// </para>
/// </remarks>
public sealed class GoogLeNet : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Naming Styles: field names are torchvision's state_dict keys.
    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> maxpool1;
    private readonly nn.Module<Tensor, Tensor>? lrn1;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> conv3;
    private readonly nn.Module<Tensor, Tensor>? lrn2;
    private readonly nn.Module<Tensor, Tensor> maxpool2;
    private readonly InceptionModule inception3a;
    private readonly InceptionModule inception3b;
    private readonly nn.Module<Tensor, Tensor> maxpool3;
    private readonly InceptionModule inception4a;
    private readonly InceptionModule inception4b;
    private readonly InceptionModule inception4c;
    private readonly InceptionModule inception4d;
    private readonly InceptionModule inception4e;
    private readonly nn.Module<Tensor, Tensor> maxpool4;
    private readonly InceptionModule inception5a;
    private readonly InceptionModule inception5b;
    private readonly AuxiliaryClassifier? aux1;
    private readonly AuxiliaryClassifier? aux2;
    private readonly AdaptiveAvgPool2d avgpool;
    private readonly Dropout dropout;
    private Linear fc;
#pragma warning restore IDE1006

    /// <summary>
    /// Creates a GoogLeNet with freshly initialised weights: Kaiming-normal convolutions (fan-out with batch norm, fan-in
    /// for the paper's variant, which has none), classifier weights from N(0, 0.01).
    /// </summary>
    /// <param name="options">Variant, classes, input channels, width and dropout; see <see cref="GoogLeNetOptions"/>.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names each and its value.</exception>
    /// <exception cref="InvalidOperationException">The application references no libtorch package (the message names the one to add), or libtorch computes wrong convolutions on this processor and cannot be made not to.</exception>
    public GoogLeNet(GoogLeNetOptions options)
        : base(CheckedBeforeTorchSharp(options))
    {
        CpuConvolutionCheck.EnsureCorrect();
        Options = options;
        GoogLeNetVariant variant = options.Variant;
        double width = options.WidthMultiplier;
        int c1 = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.Conv1Channels, width);
        int c2 = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.Conv2Channels, width);
        int c3 = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.Conv3Channels, width);

        conv1 = ConvBlock.Create(variant, options.InputChannels, c1, 7, stride: 2, padding: 3);
        maxpool1 = nn.MaxPool2d(3, stride: 2, ceil_mode: true);
        conv2 = ConvBlock.Create(variant, c1, c2, 1);
        conv3 = ConvBlock.Create(variant, c2, c3, 3, padding: 1);
        maxpool2 = nn.MaxPool2d(3, stride: 2, ceil_mode: true);
        if (variant == GoogLeNetVariant.Paper && options.LocalResponseNormalization)
        {
            // Caffe's reference GoogLeNet: size 5, alpha 1e-4, beta 0.75.
            lrn1 = nn.LocalResponseNorm(5, alpha: 1e-4, beta: 0.75, k: 1.0);
            lrn2 = nn.LocalResponseNorm(5, alpha: 1e-4, beta: 0.75, k: 1.0);
        }

        var modules = new List<InceptionModule>();
        int channels = c3;
        foreach ((string name, InceptionModuleSpec spec) in GoogLeNetArchitecture.Modules)
        {
            var module = new InceptionModule(name, spec.Scale(width, channels), variant);
            modules.Add(module);
            channels = module.Spec.OutputChannels;
        }

        (inception3a, inception3b, inception4a, inception4b, inception4c, inception4d, inception4e, inception5a, inception5b) =
            (modules[0], modules[1], modules[2], modules[3], modules[4], modules[5], modules[6], modules[7], modules[8]);
        maxpool3 = nn.MaxPool2d(3, stride: 2, ceil_mode: true);
        int pool4 = GoogLeNetArchitecture.MaxPool4Kernel(variant);
        maxpool4 = nn.MaxPool2d(pool4, stride: 2, ceil_mode: true);

        if (options.AuxiliaryClassifiers)
        {
            aux1 = new AuxiliaryClassifier(nameof(aux1), inception4a.Spec.OutputChannels, options.NumberOfClasses, options);
            aux2 = new AuxiliaryClassifier(nameof(aux2), inception4d.Spec.OutputChannels, options.NumberOfClasses, options);
        }

        avgpool = nn.AdaptiveAvgPool2d([1, 1]);
        dropout = nn.Dropout(options.EffectiveDropout);
        FeatureChannels = channels;
        fc = nn.Linear(channels, options.NumberOfClasses);
        RegisterComponents();
        InitializeWeights();
    }


    /// <summary>
    /// The options' checks and the libtorch check, run before TorchSharp's module constructor, which already calls into
    /// libtorch (without it, that call fails with TorchSharp's DllNotFoundException for LibTorchSharp, which names no
    /// package). Returns the module's name.
    /// </summary>
    private static string CheckedBeforeTorchSharp(GoogLeNetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        LibTorchRuntime.EnsureAvailable();
        return nameof(GoogLeNet);
    }

    /// <summary>The options this network was built with (after <see cref="ResetClassifier"/>, with its class count).</summary>
    public GoogLeNetOptions Options { get; private set; }

    /// <summary>Channels of the feature map <see cref="ForwardFeatures"/> returns (1024 at width 1).</summary>
    public int FeatureChannels { get; }

    /// <summary>Test seam (set from <see cref="InceptionOptions.BackboneRunning"/>): called with the image count each time the backbone runs.</summary>
    internal Action<long>? BackboneRunning { get; set; }

    /// <summary>The nine Inception modules, in order (3a, 3b, 4a ... 4e, 5a, 5b).</summary>
    public IReadOnlyList<InceptionModule> InceptionModules =>
        [inception3a, inception3b, inception4a, inception4b, inception4c, inception4d, inception4e, inception5a, inception5b];

    /// <summary>Computes class scores (logits) with the main classifier.</summary>
    /// <param name="input">N x <see cref="GoogLeNetOptions.InputChannels"/> x H x W images, H and W at least 32.</param>
    /// <returns>N x classes logits.</returns>
    /// <exception cref="ArgumentException">The input is not 4-D, has the wrong number of channels or is smaller than 32x32.</exception>
    public override Tensor forward(Tensor input) => ForwardWithAuxiliary(input).Logits;

    /// <summary>
    /// Computes the main logits and, in training mode with auxiliary classifiers built, the logits of the
    /// heads on inception 4a and 4d, so a trainer can add their losses (the paper weights them 0.3).
    /// </summary>
    /// <param name="input">N x <see cref="GoogLeNetOptions.InputChannels"/> x H x W images, H and W at least 32.</param>
    /// <returns>The main logits and the auxiliary logits (null outside training).</returns>
    /// <exception cref="ArgumentException">The input is not 4-D, has the wrong number of channels or is smaller than 32x32.</exception>
    public GoogLeNetOutput ForwardWithAuxiliary(Tensor input)
    {
        using var scope = NewDisposeScope();
        bool auxiliary = training && aux1 is not null && aux2 is not null;
        Tensor? a1 = null;
        Tensor? a2 = null;
        Tensor x = ForwardStem(input);
        // N x 192 x 28 x 28 (at 224 px, width 1)
        x = inception3a.call(x);
        // N x 256 x 28 x 28
        x = inception3b.call(x);
        // N x 480 x 28 x 28
        x = maxpool3.call(x);
        // N x 480 x 14 x 14
        x = inception4a.call(x);
        // N x 512 x 14 x 14
        if (auxiliary)
        {
            a1 = aux1!.call(x).MoveToOuterDisposeScope();
        }

        x = inception4b.call(x);
        // N x 512 x 14 x 14
        x = inception4c.call(x);
        // N x 512 x 14 x 14
        x = inception4d.call(x);
        // N x 528 x 14 x 14
        if (auxiliary)
        {
            a2 = aux2!.call(x).MoveToOuterDisposeScope();
        }

        x = ForwardTail(x);
        Tensor logits = ForwardHead(x).MoveToOuterDisposeScope();
        return new GoogLeNetOutput(logits, a1, a2);
    }

    /// <summary>Runs the network up to and including inception 5b, without the classifier (timm's <c>forward_features</c>).</summary>
    /// <param name="input">N x <see cref="GoogLeNetOptions.InputChannels"/> x H x W images, H and W at least 32.</param>
    /// <returns>N x <see cref="FeatureChannels"/> x h x w feature map (7x7 at 224 px).</returns>
    /// <exception cref="ArgumentException">The input is not 4-D, has the wrong number of channels or is smaller than 32x32.</exception>
    public Tensor ForwardFeatures(Tensor input)
    {
        using var scope = NewDisposeScope();
        Tensor x = ForwardStem(input);
        x = inception3a.call(x);
        x = inception3b.call(x);
        x = maxpool3.call(x);
        x = inception4a.call(x);
        x = inception4b.call(x);
        x = inception4c.call(x);
        x = inception4d.call(x);

        // Contiguous like any other tensor a caller gets (the layers may have run channels-last); 7x7 at 224 px, cheap.
        return ForwardTail(x).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Global average pool, dropout and the linear classifier (timm's <c>forward_head</c>).</summary>
    /// <param name="features">N x <see cref="FeatureChannels"/> x h x w, as <see cref="ForwardFeatures"/> returns.</param>
    /// <returns>N x classes logits.</returns>
    public Tensor ForwardHead(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        Tensor x = avgpool.call(features);
        // N x 1024 x 1 x 1
        x = torch.flatten(x, 1);
        // N x 1024
        x = dropout.call(x);
        return fc.call(x).MoveToOuterDisposeScope();
        // N x classes
    }

    /// <summary>
    /// Replaces the classifier (and the auxiliary classifiers' last layers) with freshly initialised ones for
    /// a new number of classes, keeping every other weight: the first step of transfer learning.
    /// </summary>
    /// <param name="numberOfClasses">The new number of classes, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="numberOfClasses"/> is less than 1.</exception>
    public void ResetClassifier(int numberOfClasses)
    {
        if (numberOfClasses < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(numberOfClasses), numberOfClasses, $"{nameof(numberOfClasses)} must be at least 1, got {numberOfClasses}.");
        }

        var replacement = nn.Linear(FeatureChannels, numberOfClasses);
        InitializeLinear(replacement);
        Device device = fc.weight!.device;
        register_module(nameof(fc), null!);
        fc.Dispose();
        fc = replacement;
        register_module(nameof(fc), fc);
        aux1?.ResetClassifier(numberOfClasses);
        aux2?.ResetClassifier(numberOfClasses);
        this.to(device);
        Options = Options with { NumberOfClasses = numberOfClasses };
    }

    /// <summary>Per-layer output shapes, weights and multiply-adds of this network for an input size.</summary>
    /// <param name="height">Input height in pixels, at least 32.</param>
    /// <param name="width">Input width in pixels, at least 32.</param>
    /// <returns>The summary; <see cref="ModelSummary.ToString"/> prints it as a table.</returns>
    public ModelSummary Summarize(int height, int width) => ModelSummary.Create(Options, height, width);

    internal static void InitializeLinear(Linear linear)
    {
        using var noGrad = torch.no_grad();
        nn.init.normal_(linear.weight!, 0, 0.01);
        nn.init.zeros_(linear.bias!);
    }

    private Tensor ForwardStem(Tensor input)
    {
        ValidateInput(input);
        BackboneRunning?.Invoke(input.shape[0]);
        // N x C x 224 x 224
        bool channelsLast = Options.ChannelsLast && input.device_type == DeviceType.CPU;
        Tensor x = conv1.call(channelsLast ? ToChannelsLast(input) : input);
        // N x 64 x 112 x 112
        if (channelsLast)
        {
            // A one-channel input's strides are both layouts at once, so libtorch keeps conv1's output contiguous;
            // converting that output makes every later layer run channels-last. A no-op when it already is.
            x = ToChannelsLast(x);
        }

        x = maxpool1.call(x);
        // N x 64 x 56 x 56
        if (lrn1 is not null)
        {
            x = lrn1.call(x);
        }

        x = conv2.call(x);
        // N x 64 x 56 x 56
        x = conv3.call(x);
        // N x 192 x 56 x 56
        if (lrn2 is not null)
        {
            x = lrn2.call(x);
        }

        return maxpool2.call(x);
        // N x 192 x 28 x 28
    }

    /// <summary>
    /// The same N x C x H x W values with channels-last strides (TorchSharp 0.107 exposes no memory_format
    /// argument, so this is contiguous() in NHWC order seen through a permutation). libtorch's convolutions,
    /// batch norm and pooling keep that layout for their outputs.
    /// </summary>
    private static Tensor ToChannelsLast(Tensor x) => x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);

    private Tensor ForwardTail(Tensor x)
    {
        x = inception4e.call(x);
        // N x 832 x 14 x 14
        x = maxpool4.call(x);
        // N x 832 x 7 x 7
        x = inception5a.call(x);
        // N x 832 x 7 x 7
        return inception5b.call(x);
        // N x 1024 x 7 x 7
    }

    private void ValidateInput(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.dim() != 4)
        {
            throw new ArgumentException($"Expected a 4-D input (N x C x H x W), got shape [{Shape(input)}].", nameof(input));
        }

        if (input.shape[1] != Options.InputChannels)
        {
            throw new ArgumentException(
                $"Expected {Options.InputChannels} input channel(s), got {input.shape[1]} (input shape [{Shape(input)}]).", nameof(input));
        }

        if (input.shape[2] < GoogLeNetOptions.MinimumImageSize || input.shape[3] < GoogLeNetOptions.MinimumImageSize)
        {
            throw new ArgumentException(
                $"Expected an input of at least {GoogLeNetOptions.MinimumImageSize}x{GoogLeNetOptions.MinimumImageSize} pixels, got {input.shape[2]}x{input.shape[3]}.", nameof(input));
        }
    }

    private static string Shape(Tensor t) => string.Join(", ", t.shape.Select(d => d.ToString(CultureInfo.InvariantCulture)));

    private void InitializeWeights()
    {
        using var noGrad = torch.no_grad();
        foreach ((string _, nn.Module module) in named_modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    // Without batch norm (the paper's variant) the scale of the activations rests on the initialisation
                    // alone: fan-in keeps it constant through each conv + ReLU, whereas fan-out inflates it at every
                    // 1x1 reduction (many inputs, few outputs) until the logits overflow. With batch norm either works;
                    // fan-out is torchvision's ResNet convention.
                    nn.init.kaiming_normal_(
                        conv.weight!,
                        mode: Options.Variant == GoogLeNetVariant.Paper ? nn.init.FanInOut.FanIn : nn.init.FanInOut.FanOut,
                        nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is not null)
                    {
                        nn.init.zeros_(conv.bias);
                    }

                    break;
                case BatchNorm2d bn:
                    nn.init.ones_(bn.weight!);
                    nn.init.zeros_(bn.bias!);
                    break;
                case Linear linear:
                    InitializeLinear(linear);
                    break;
            }
        }
    }

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach ((string _, nn.Module module) in named_children())
            {
                module.Dispose();
            }
        }

        base.Dispose(disposing);
    }
}

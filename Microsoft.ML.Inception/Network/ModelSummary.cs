using System.Globalization;
using System.Text;

namespace Microsoft.ML.Inception;

/// <summary>
/// Per-layer output shape, weights and multiply-adds of a <see cref="GoogLeNet"/> for a given input size,
/// computed from the same layer definitions the network is built from. At 224x224x3 and 1000 classes it
/// reproduces the computed columns of the paper's Table 1 (paper variant: 6,990,272 weights without biases,
/// 1.58 G multiply-adds).
/// </summary>
public sealed class ModelSummary
{
    private ModelSummary(GoogLeNetOptions options, int height, int width, IReadOnlyList<LayerSummary> layers)
    {
        Options = options;
        InputHeight = height;
        InputWidth = width;
        Layers = layers;
    }

    /// <summary>The network options the summary describes.</summary>
    public GoogLeNetOptions Options { get; }

    /// <summary>Input height in pixels.</summary>
    public int InputHeight { get; }

    /// <summary>Input width in pixels.</summary>
    public int InputWidth { get; }

    /// <summary>The layers in forward order; auxiliary classifiers last, marked <see cref="LayerSummary.TrainingOnly"/>.</summary>
    public IReadOnlyList<LayerSummary> Layers { get; }

    /// <summary>Weights without biases of the inference network (auxiliary classifiers excluded).</summary>
    public long TotalWeights => Layers.Where(l => !l.TrainingOnly).Sum(l => l.Weights);

    /// <summary>Learnable parameters of the inference network (auxiliary classifiers excluded).</summary>
    public long TotalParameters => Layers.Where(l => !l.TrainingOnly).Sum(l => l.Parameters);

    /// <summary>Learnable parameters of the auxiliary classifiers (trained, then discarded for inference).</summary>
    public long AuxiliaryParameters => Layers.Where(l => l.TrainingOnly).Sum(l => l.Parameters);

    /// <summary>Multiply-adds of one forward pass of one image at inference (auxiliary classifiers excluded).</summary>
    public long TotalMultiplyAdds => Layers.Where(l => !l.TrainingOnly).Sum(l => l.MultiplyAdds);

    /// <summary>Finds a layer by its module name.</summary>
    /// <param name="name">A module name such as <c>inception3a</c>.</param>
    /// <returns>The layer.</returns>
    /// <exception cref="KeyNotFoundException">No layer has that name.</exception>
    public LayerSummary this[string name] =>
        Layers.FirstOrDefault(l => l.Name == name) ?? throw new KeyNotFoundException($"No layer named '{name}' in the summary.");

    /// <summary>Computes the summary of a GoogLeNet built with <paramref name="options"/> for an input size.</summary>
    /// <param name="options">The network options.</param>
    /// <param name="height">Input height in pixels, at least 32.</param>
    /// <param name="width">Input width in pixels, at least 32.</param>
    /// <returns>The summary.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is invalid or the input is smaller than 32x32.</exception>
    public static ModelSummary Create(GoogLeNetOptions options, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (height < GoogLeNetOptions.MinimumImageSize || width < GoogLeNetOptions.MinimumImageSize)
        {
            throw new ArgumentOutOfRangeException(
                height < GoogLeNetOptions.MinimumImageSize ? nameof(height) : nameof(width),
                $"GoogLeNet needs an input of at least {GoogLeNetOptions.MinimumImageSize}x{GoogLeNetOptions.MinimumImageSize} pixels, got {height}x{width}.");
        }

        return new ModelSummary(options, height, width, new Walker(options, height, width).Walk());
    }

    /// <summary>Formats the summary as a fixed-width table, followed by the 1x1-reduction savings per Inception module.</summary>
    /// <returns>The table.</returns>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"GoogLeNet ({Options.Variant}, width {Options.WidthMultiplier}, {Options.NumberOfClasses} classes), input {Options.InputChannels}x{InputHeight}x{InputWidth}");
        string header = string.Format(c, "{0,-12} {1,-22} {2,-14} {3,12} {4,12} {5,14}", "layer", "type", "output", "weights", "params", "multiply-adds");
        text.AppendLine(header).AppendLine(new string('-', header.Length));
        foreach (LayerSummary l in Layers)
        {
            string name = l.TrainingOnly ? l.Name + "*" : l.Name;
            string shape = string.Format(c, "{0}x{1}x{2}", l.OutputHeight, l.OutputWidth, l.OutputChannels);
            text.AppendLine(c, $"{name,-12} {l.Description,-22} {shape,-14} {l.Weights,12:N0} {l.Parameters,12:N0} {FormatCount(l.MultiplyAdds),14}");
        }

        text.AppendLine(new string('-', header.Length));
        text.AppendLine(c, $"{"total",-12} {"(inference)",-22} {string.Empty,-14} {TotalWeights,12:N0} {TotalParameters,12:N0} {FormatCount(TotalMultiplyAdds),14}");
        if (AuxiliaryParameters > 0)
        {
            text.AppendLine(c, $"* auxiliary classifier, training only: {AuxiliaryParameters:N0} more parameters.");
        }

        text.AppendLine().AppendLine("1x1 reductions (multiply-adds of each branch with the reduction / applied directly to the module input):");
        foreach (LayerSummary l in Layers.Where(l => l.Branches.Count > 0))
        {
            text.Append(c, $"{l.Name,-12}");
            foreach (BranchSummary b in l.Branches)
            {
                text.Append(c, $"  {b.Name} ({b.Kernel}x{b.Kernel}): {FormatCount(b.MultiplyAdds)} / {FormatCount(b.MultiplyAddsWithoutReduction)}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string FormatCount(long value) => value switch
    {
        >= 1_000_000_000 => (value / 1e9).ToString("0.00 G", CultureInfo.InvariantCulture),
        >= 1_000_000 => (value / 1e6).ToString("0.0 M", CultureInfo.InvariantCulture),
        >= 1_000 => (value / 1e3).ToString("0.0 K", CultureInfo.InvariantCulture),
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Walks the layers in forward order, tracking the feature map's shape.</summary>
    private sealed class Walker(GoogLeNetOptions options, int height, int width)
    {
        private readonly List<LayerSummary> layers = [];
        private readonly bool paper = options.Variant == GoogLeNetVariant.Paper;
        private int channels = options.InputChannels;
        private int h = height;
        private int w = width;

        public List<LayerSummary> Walk()
        {
            double width1 = options.WidthMultiplier;
            Conv("conv1", GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.Conv1Channels, width1), 7, 2, 3);
            MaxPool("maxpool1", 3, 2, 0);
            Lrn("lrn1");
            Conv("conv2", GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.Conv2Channels, width1), 1, 1, 0);
            Conv("conv3", GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.Conv3Channels, width1), 3, 1, 1);
            Lrn("lrn2");
            MaxPool("maxpool2", 3, 2, 0);
            var auxiliaryInputs = new List<(string Name, int Channels, int H, int W)>();
            foreach ((string name, InceptionModuleSpec spec) in GoogLeNetArchitecture.Modules)
            {
                if (name == "inception4a")
                {
                    MaxPool("maxpool3", 3, 2, 0);
                }
                else if (name == "inception5a")
                {
                    int k = GoogLeNetArchitecture.MaxPool4Kernel(options.Variant);
                    MaxPool("maxpool4", k, 2, 0);
                }

                Inception(name, spec.Scale(width1, channels));
                if (name is "inception4a" or "inception4d")
                {
                    auxiliaryInputs.Add((name == "inception4a" ? "aux1" : "aux2", channels, h, w));
                }
            }

            layers.Add(new LayerSummary("avgpool", "global avg pool", channels, 1, 1, 0, 0, 0, false, []));
            h = w = 1;
            layers.Add(new LayerSummary("dropout", string.Create(CultureInfo.InvariantCulture, $"dropout {options.EffectiveDropout:P0}"), channels, 1, 1, 0, 0, 0, false, []));
            long fcWeights = (long)channels * options.NumberOfClasses;
            layers.Add(new LayerSummary("fc", "linear", options.NumberOfClasses, 1, 1, fcWeights, fcWeights + options.NumberOfClasses, fcWeights, false, []));

            if (options.AuxiliaryClassifiers)
            {
                foreach ((string name, int inputChannels, _, _) in auxiliaryInputs)
                {
                    Auxiliary(name, inputChannels);
                }
            }

            return layers;
        }

        private long ConvParameters(long weights, int outputChannels) => weights + (paper ? outputChannels : 2L * outputChannels);

        private void Conv(string name, int outputChannels, int kernel, int stride, int padding)
        {
            long weights = (long)kernel * kernel * channels * outputChannels;
            h = GoogLeNetArchitecture.ConvolutionOutput(h, kernel, stride, padding);
            w = GoogLeNetArchitecture.ConvolutionOutput(w, kernel, stride, padding);
            channels = outputChannels;
            string description = string.Create(CultureInfo.InvariantCulture, $"conv {kernel}x{kernel}/{stride}");
            layers.Add(new LayerSummary(name, description, channels, h, w, weights, ConvParameters(weights, outputChannels), weights * h * w, false, []));
        }

        private void MaxPool(string name, int kernel, int stride, int padding)
        {
            h = GoogLeNetArchitecture.CeilPoolOutput(h, kernel, stride, padding);
            w = GoogLeNetArchitecture.CeilPoolOutput(w, kernel, stride, padding);
            string description = string.Create(CultureInfo.InvariantCulture, $"max pool {kernel}x{kernel}/{stride}");
            layers.Add(new LayerSummary(name, description, channels, h, w, 0, 0, 0, false, []));
        }

        private void Lrn(string name)
        {
            if (paper && options.LocalResponseNormalization)
            {
                layers.Add(new LayerSummary(name, "local response norm", channels, h, w, 0, 0, 0, false, []));
            }
        }

        private void Inception(string name, InceptionModuleSpec s)
        {
            int k = GoogLeNetArchitecture.ThirdBranchKernel(options.Variant);
            long inC = s.InputChannels;
            long branch3x3 = (inC * s.Reduce3x3) + (9L * s.Reduce3x3 * s.Conv3x3);
            long branch5x5 = (inC * s.Reduce5x5) + ((long)k * k * s.Reduce5x5 * s.Conv5x5);
            long weights = (inC * s.Conv1x1) + branch3x3 + branch5x5 + (inC * s.PoolProjection);
            int convOutputs = s.Conv1x1 + s.Reduce3x3 + s.Conv3x3 + s.Reduce5x5 + s.Conv5x5 + s.PoolProjection;
            long area = (long)h * w;
            BranchSummary[] branches =
            [
                new("3x3", 3, branch3x3 * area, 9L * inC * s.Conv3x3 * area),
                new("5x5", k, branch5x5 * area, (long)k * k * inC * s.Conv5x5 * area),
            ];
            channels = s.OutputChannels;
            layers.Add(new LayerSummary(name, "inception", channels, h, w, weights, ConvParameters(weights, convOutputs), weights * area, false, branches));
        }

        private void Auxiliary(string name, int inputChannels)
        {
            int size = GoogLeNetArchitecture.AuxiliaryPoolSize;
            int convChannels = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.AuxiliaryConvChannels, options.WidthMultiplier);
            int hidden = GoogLeNetOptions.ScaleChannels(GoogLeNetArchitecture.AuxiliaryHiddenUnits, options.WidthMultiplier);
            long conv = (long)inputChannels * convChannels;
            long fc1 = (long)convChannels * size * size * hidden;
            long fc2 = (long)hidden * options.NumberOfClasses;
            long weights = conv + fc1 + fc2;
            long parameters = ConvParameters(conv, convChannels) + fc1 + hidden + fc2 + options.NumberOfClasses;
            long macs = (conv * size * size) + fc1 + fc2;
            layers.Add(new LayerSummary(name, "auxiliary classifier", options.NumberOfClasses, 1, 1, weights, parameters, macs, true, []));
        }
    }
}

using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// How the tensors of a weight file map onto a <see cref="GoogLeNet"/> by name: which load as they are, which are
/// adapted (conv1 for another channel count), which stay freshly initialised (classifiers for another class count,
/// auxiliary classifiers the file lacks), and what does not fit (missing, unexpected, wrongly shaped tensors).
/// </summary>
internal sealed class GoogLeNetWeightMatch
{
    private const string FirstConvolution = "conv1.conv.weight";
    private static readonly string[] AuxiliaryHeads = ["aux1", "aux2"];

    private GoogLeNetWeightMatch(GoogLeNetOptions network, StoredWeights file)
    {
        Network = network;
        File = file;
    }

    public GoogLeNetOptions Network { get; }

    public StoredWeights File { get; }

    /// <summary>Network tensors and the stored tensor each receives.</summary>
    public List<(string Name, StoredTensor Source)> Loaded { get; } = [];

    public List<string> Missing { get; } = [];

    public List<string> Unexpected { get; } = [];

    public List<(string Name, long[] Expected, long[] Found)> WronglyShaped { get; } = [];

    public List<string> Reinitialized { get; } = [];

    public List<string> Ignored { get; } = [];

    /// <summary>Human-readable lines about what was adapted, kept fresh or ignored, for the training log.</summary>
    public List<string> Notes { get; } = [];

    public bool InputChannelsConverted { get; private set; }

    public bool Fits => Missing.Count == 0 && Unexpected.Count == 0 && WronglyShaped.Count == 0;

    /// <summary>Compares a network's state_dict with the tensors of a file, by name and shape; changes nothing.</summary>
    public static GoogLeNetWeightMatch Create(GoogLeNet network, StoredWeights file)
    {
        var match = new GoogLeNetWeightMatch(network.Options, file);
        Dictionary<string, Tensor> state = network.state_dict();
        var freshHeads = AuxiliaryHeads.Where(h => state.Keys.Any(k => k.StartsWith(h + ".", StringComparison.Ordinal))
            && !file.Names.Any(k => k.StartsWith(h + ".", StringComparison.Ordinal))).ToList();
        var unusedHeads = AuxiliaryHeads.Where(h => !state.Keys.Any(k => k.StartsWith(h + ".", StringComparison.Ordinal))
            && file.Names.Any(k => k.StartsWith(h + ".", StringComparison.Ordinal))).ToList();
        var replacedClassifiers = new List<string>();
        long fileClasses = -1;
        foreach ((string name, Tensor target) in state)
        {
            long[] expected = target.shape;
            if (!file.TryGet(name, out StoredTensor stored))
            {
                if (freshHeads.Any(h => name.StartsWith(h + ".", StringComparison.Ordinal)))
                {
                    match.Reinitialized.Add(name);
                }
                else
                {
                    match.Missing.Add(name);
                }
            }
            else if (stored.Shape.SequenceEqual(expected) || (stored.ElementCount == 1 && target.numel() == 1))
            {
                match.Loaded.Add((name, stored));
            }
            else if (IsClassifier(name) && OnlyFirstDimensionDiffers(expected, stored.Shape))
            {
                match.Reinitialized.Add(name);
                replacedClassifiers.Add(name);
                fileClasses = stored.Shape[0];
            }
            else if (name == FirstConvolution && expected.Length == 4 && stored.Shape.Length == 4
                && stored.Shape[1] is 1 or 3 && expected[1] is 1 or 3
                && expected[0] == stored.Shape[0] && expected[2] == stored.Shape[2] && expected[3] == stored.Shape[3])
            {
                match.Loaded.Add((name, stored));
                match.InputChannelsConverted = true;
                match.Notes.Add(expected[1] == 1
                    ? "conv1's weights are for 3-channel (colour) images and the network sees 1 channel (grey images): they are summed over the colour channels, which gives a grey image the response its colour version would have."
                    : "conv1's weights are for 1-channel (grey) images and the network sees 3 channels: each colour channel gets a third of them, which gives a grey colour image the response of the grey original.");
            }
            else
            {
                match.WronglyShaped.Add((name, expected, stored.Shape));
            }
        }

        foreach (string name in file.Names.Where(n => !state.ContainsKey(n)))
        {
            if (unusedHeads.Any(h => name.StartsWith(h + ".", StringComparison.Ordinal)))
            {
                match.Ignored.Add(name);
            }
            else
            {
                match.Unexpected.Add(name);
            }
        }

        if (replacedClassifiers.Count > 0)
        {
            match.Notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"The file's classifiers are for {fileClasses} classes and the network has {network.Options.NumberOfClasses}: {string.Join(", ", replacedClassifiers)} start from fresh weights."));
        }

        if (freshHeads.Count > 0)
        {
            match.Notes.Add($"The file holds no weights for the auxiliary classifier(s) {string.Join(" and ", freshHeads)} (torchvision's pretrained googlenet keeps none): they start from fresh weights.");
        }

        if (unusedHeads.Count > 0)
        {
            match.Notes.Add($"The file's auxiliary classifier(s) {string.Join(" and ", unusedHeads)} are not used: the network has none.");
        }

        return match;
    }

    /// <summary>Copies the matched tensors into the network (converting element types and conv1's channels); call only when <see cref="Fits"/>.</summary>
    public void CopyInto(GoogLeNet network)
    {
        if (!Fits)
        {
            throw new InvalidOperationException("The weights do not fit the network.");
        }

        Dictionary<string, Tensor> state = network.state_dict();
        using var noGrad = torch.no_grad();
        foreach ((string name, StoredTensor source) in Loaded)
        {
            using var scope = torch.NewDisposeScope();
            Tensor target = state[name];
            Tensor values = source.ToTensor().to(target.dtype);
            if (name == FirstConvolution && values.shape[1] != target.shape[1])
            {
                values = target.shape[1] == 1 ? values.sum(1, keepdim: true) : values.repeat(1, target.shape[1], 1, 1) / target.shape[1];
            }

            target.copy_(values.reshape(target.shape));
        }
    }

    /// <summary>The error message listing every tensor that does not fit, with a guess at the network the file is for.</summary>
    public string Describe(string source)
    {
        var parts = new List<string>();
        if (Missing.Count > 0)
        {
            parts.Add($"{Missing.Count} tensor(s) missing from the file: {NameList.Join(Missing)}");
        }

        if (Unexpected.Count > 0)
        {
            parts.Add($"{Unexpected.Count} unexpected tensor(s) in the file: {NameList.Join(Unexpected)}");
        }

        if (WronglyShaped.Count > 0)
        {
            parts.Add($"{WronglyShaped.Count} tensor(s) of another shape: {NameList.Join(WronglyShaped.Select(w => $"{w.Name} (network {StoredTensor.FormatShape(w.Expected)}, file {StoredTensor.FormatShape(w.Found)})").ToList())}");
        }

        string network = string.Create(CultureInfo.InvariantCulture,
            $"GoogLeNet ({Network.Variant} variant, width {Network.WidthMultiplier}, {Network.InputChannels} input channel(s), {Network.NumberOfClasses} classes{(Network.AuxiliaryClassifiers ? ", auxiliary classifiers" : string.Empty)})");
        return $"The weights in '{source}' do not fit {network}: {string.Join("; ", parts)}.{Guess()}";
    }

    private string Guess()
    {
        if (!File.TryGet(FirstConvolution, out StoredTensor conv1) || conv1.Shape.Length != 4)
        {
            return " The file holds no conv1.conv.weight: it does not look like GoogLeNet weights.";
        }

        bool batchNorm = File.TryGet("conv1.bn.weight", out _);
        bool bias = File.TryGet("conv1.conv.bias", out _);
        string variant = batchNorm ? nameof(GoogLeNetVariant.TorchVision) : bias ? nameof(GoogLeNetVariant.Paper) : "an unknown";
        long filters = conv1.Shape[0];
        double width = filters / (double)GoogLeNetArchitecture.Conv1Channels;
        return string.Create(CultureInfo.InvariantCulture,
            $" The file looks like the {variant} variant at width {width:0.###} (its conv1 has {filters} filters): set {nameof(InceptionOptions.Variant)} and {nameof(InceptionOptions.WidthMultiplier)} to those of the network the weights come from.");
    }

    private static bool IsClassifier(string name) =>
        name is "fc.weight" or "fc.bias" or "aux1.fc2.weight" or "aux1.fc2.bias" or "aux2.fc2.weight" or "aux2.fc2.bias";

    private static bool OnlyFirstDimensionDiffers(long[] expected, long[] found) =>
        expected.Length == found.Length && expected.Length > 0 && expected.Skip(1).SequenceEqual(found.Skip(1));
}

namespace Microsoft.ML.Inception;

/// <summary>
/// Saves a <see cref="GoogLeNet"/>'s weights to a file and loads weights from one by tensor name: saves and loads
/// safetensors (<c>.safetensors</c>; what Python's <c>safetensors.torch.save_file</c> writes) and TorchSharp's own format
/// (<c>Module.save</c>; any other extension), and loads PyTorch state dicts saved by <c>torch.save</c> (<c>.pth</c>,
/// <c>.pt</c>, such as torchvision's weights) without running their pickle.
/// </summary>
/// <remarks>
/// <para>Names are the network's state_dict keys, which are torchvision's <c>googlenet</c> keys for the
/// <see cref="GoogLeNetVariant.TorchVision"/> variant (<c>conv1.conv.weight</c>, <c>conv1.bn.running_mean</c>,
/// <c>inception3a.branch2.0.conv.weight</c>, <c>aux1.fc2.weight</c>, <c>fc.weight</c> ...), so a torchvision state_dict
/// loads one to one.</para>
/// <para>Loading adapts what transfer learning needs and reports it (<see cref="GoogLeNetWeightsReport"/>): the
/// classifiers (<c>fc</c> and the auxiliary heads' last layers <c>aux1.fc2</c>, <c>aux2.fc2</c>) keep their fresh weights when
/// the file is for another number of classes; auxiliary classifiers absent from the file (torchvision's pretrained model
/// has none) keep their fresh weights, and those of a network built without them are ignored; 3-channel conv1 weights
/// are summed over the colour channels for a 1-channel (grey) network, and 1-channel ones spread over 3 channels.
/// Anything else that does not fit (weights of another variant or width) is an error listing every missing, unexpected
/// and wrongly shaped tensor, thrown before the network is changed. Reading checks the file's structure before
/// allocating what it declares. No format can run code when loaded: a PyTorch file's pickle is read by a restricted
/// reader that accepts only the globals a state dict needs and refuses any other by name; PyTorch's legacy (pre-1.6)
/// format is refused with the way to re-save it. Load weights only from sources you trust all the same: a file can hold
/// any values.</para>
/// </remarks>
public static class GoogLeNetWeights
{
    /// <summary>Writes the network's state_dict to a file: safetensors for a <c>.safetensors</c> path, otherwise TorchSharp's format (a <c>.pth</c> or <c>.pt</c> path is refused: that is torch.save's format, which the library reads but does not write).</summary>
    /// <param name="network">The network.</param>
    /// <param name="path">The file to write; an existing file is replaced only once the new one is complete.</param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty, or ends in <c>.pth</c> or <c>.pt</c>.</exception>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written; the message names the file, and a previous file is left intact.</exception>
    public static void Save(GoogLeNet network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentException.ThrowIfNullOrEmpty(path);
        WeightFile.Write(path, network.state_dict().Select(kv => KeyValuePair.Create(kv.Key, StoredTensor.From(kv.Value))).ToList());
    }

    /// <summary>Loads weights from a safetensors, PyTorch (<c>.pth</c>, <c>.pt</c>) or TorchSharp file into the network by tensor name (see remarks).</summary>
    /// <param name="network">The network, whose options say which variant, width, channels and classes the weights must fit.</param>
    /// <param name="path">The file (its format is recognised from its content).</param>
    /// <returns>What was loaded, adapted, kept fresh or ignored.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> is null.</exception>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder; the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is damaged, in none of the formats (or PyTorch's legacy one), refers to a Python global a state dict does not need, or holds NaN or infinity (the message names the tensor).</exception>
    /// <exception cref="ArgumentException">The weights do not fit the network; the message lists every missing, unexpected and wrongly shaped tensor. The network is unchanged.</exception>
    public static GoogLeNetWeightsReport Load(GoogLeNet network, string path)
    {
        ArgumentNullException.ThrowIfNull(network);
        StoredWeights file = WeightFile.Read(path, "weights");
        GoogLeNetWeightMatch match = GoogLeNetWeightMatch.Create(network, file);
        if (!match.Fits)
        {
            throw new ArgumentException(match.Describe(path), nameof(path));
        }

        match.CopyInto(network);
        return Report(match);
    }

    internal static GoogLeNetWeightsReport Report(GoogLeNetWeightMatch match) => new(
        match.File.Format switch
        {
            WeightFileFormat.SafeTensors => "safetensors",
            WeightFileFormat.PyTorch => "PyTorch",
            _ => "TorchSharp",
        },
        match.Loaded.Select(l => l.Name).ToList(),
        match.Reinitialized,
        match.Ignored,
        match.InputChannelsConverted,
        match.Notes);
}

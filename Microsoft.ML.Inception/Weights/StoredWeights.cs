namespace Microsoft.ML.Inception;

/// <summary>The tensors of a weight file by name, in file order, with the format they were read from.</summary>
internal sealed class StoredWeights
{
    private readonly Dictionary<string, StoredTensor> byName;

    public StoredWeights(WeightFileFormat format, IReadOnlyList<KeyValuePair<string, StoredTensor>> tensors)
    {
        Format = format;
        Tensors = tensors;
        byName = tensors.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
    }

    public WeightFileFormat Format { get; }

    /// <summary>Name and tensor of every entry, in the order the file lists them.</summary>
    public IReadOnlyList<KeyValuePair<string, StoredTensor>> Tensors { get; }

    public IEnumerable<string> Names => Tensors.Select(t => t.Key);

    public bool TryGet(string name, out StoredTensor tensor) => byName.TryGetValue(name, out tensor!);
}

using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Microsoft.ML.Inception;

/// <summary>
/// A saved training state: the TorchSharp weights and optimiser state of a trained GoogLeNet, with everything needed to
/// go on training it (network options, image size, class names, input normalisation, epochs done and their metrics).
/// Write one with <see cref="InceptionTransformer.SaveCheckpoint(string)"/>; resume training from it by setting
/// <see cref="InceptionOptions.ResumeFrom"/>.
/// </summary>
/// <remarks>
/// <para>File format, version 1: a zip archive holding</para>
/// <list type="bullet">
/// <item><c>checkpoint.json</c>: <c>format</c> ("Microsoft.ML.Inception.Checkpoint"), <c>version</c> (1), the network
/// options, image height and width, class names, normalisation mean and standard deviation, the optimiser, epochs
/// completed and the metrics of every epoch.</item>
/// <item><c>weights.bin</c>: the network's state_dict in TorchSharp's format (<c>Module.save</c>).</item>
/// <item><c>optimizer.bin</c>: the optimiser's state (momentum or Adam moments) in TorchSharp's format.</item>
/// </list>
/// <para>A checkpoint is data: loading one never runs code from it. A file of a newer format version is refused
/// with an error naming both versions.</para>
/// </remarks>
public sealed class InceptionCheckpoint
{
    /// <summary>The value of the <c>format</c> field that identifies a checkpoint.</summary>
    public const string FormatName = "Microsoft.ML.Inception.Checkpoint";

    /// <summary>The format version this library writes and the newest it reads.</summary>
    public const int FormatVersion = 1;

    private const string MetadataEntry = "checkpoint.json";
    private const string WeightsEntry = "weights.bin";
    private const string OptimizerEntry = "optimizer.bin";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    internal InceptionCheckpoint(CheckpointMetadata metadata, byte[] weights, byte[] optimizerState, string source = "the trained network's checkpoint")
    {
        Source = source;
        Metadata = metadata;
        Weights = weights;
        OptimizerState = optimizerState;
    }

    /// <summary>The network the weights belong to.</summary>
    public GoogLeNetOptions Network => Metadata.Network;

    /// <summary>Image height the network was trained on.</summary>
    public int ImageHeight => Metadata.ImageHeight;

    /// <summary>Image width the network was trained on.</summary>
    public int ImageWidth => Metadata.ImageWidth;

    /// <summary>Class names in key order.</summary>
    public IReadOnlyList<string> ClassNames => Metadata.ClassNames;

    /// <summary>Epochs trained so far.</summary>
    public int EpochsCompleted => Metadata.EpochsCompleted;

    /// <summary>Metrics of every epoch trained so far.</summary>
    public IReadOnlyList<InceptionEpochMetrics> History => Metadata.History;

    internal CheckpointMetadata Metadata { get; }

    /// <summary>The file the checkpoint was read from as the user named it (or "the stream"), for messages.</summary>
    internal string Source { get; }

    /// <summary>A new network with this checkpoint's options and weights, in eval mode on the CPU; the caller disposes it.</summary>
    /// <returns>The trained network.</returns>
    /// <exception cref="InvalidDataException">The weights do not fit the network the checkpoint's options describe; the message names the file and the first tensor that differs.</exception>
    public GoogLeNet CreateNetwork()
    {
        var network = new GoogLeNet(Network);
        try
        {
            // TorchSharp's own error ("Mismatched tensor shape while loading") names neither the file nor the tensor.
            if (WeightsMismatch(network) is string mismatch)
            {
                throw new InvalidDataException($"{Source} is damaged: its {WeightsEntry} does not fit the network its {MetadataEntry} describes ({Network.Variant}, width {Network.WidthMultiplier.ToString(CultureInfo.InvariantCulture)}, {Network.NumberOfClasses} classes, {Network.InputChannels} channel(s)): {mismatch}.");
            }

            using var weights = new MemoryStream(Weights, writable: false);
            try
            {
                network.load(weights);
            }
            catch (ArgumentException e) when (e.Message.Contains("Mismatched tensor shape", StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{Source} is damaged: its {WeightsEntry} does not fit the network its {MetadataEntry} describes ({e.Message}).", e);
            }

            network.eval();
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    internal byte[] Weights { get; }

    /// <summary>The first tensor of <paramref name="network"/> that the stored weights lack or hold with another type or shape, or one they hold that the network lacks; null when they fit.</summary>
    private string? WeightsMismatch(GoogLeNet network)
    {
        Dictionary<string, TensorHeader> stored = StateDictFormat.Headers(Weights);
        foreach ((string name, TorchSharp.torch.Tensor tensor) in network.state_dict())
        {
            var expected = new TensorHeader(tensor.dtype, tensor.shape);
            if (!stored.Remove(name, out TensorHeader? header))
            {
                return $"it has no tensor '{name}' ({expected})";
            }

            if (!header.Matches(expected))
            {
                return $"it holds tensor '{name}' as {header}, the network as {expected}";
            }
        }

        return stored.Keys.FirstOrDefault() is string extra ? $"it holds tensor '{extra}', which the network does not have" : null;
    }

    internal byte[] OptimizerState { get; }

    /// <summary>Reads a checkpoint file.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder; the message names it.</exception>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is damaged, holds weights or optimiser state that are not finite, or was written by a newer format version.</exception>
    public static InceptionCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        UserFile.RequireExisting(path, "checkpoint");
        using FileStream stream = File.OpenRead(path);
        return Load(stream, path);
    }

    /// <summary>Reads a checkpoint from a stream.</summary>
    /// <param name="stream">The stream, positioned at the checkpoint.</param>
    /// <returns>The checkpoint.</returns>
    /// <exception cref="InvalidDataException">The data are not a checkpoint, are damaged, hold weights or optimiser state that are not finite, or were written by a newer format version.</exception>
    public static InceptionCheckpoint Load(Stream stream) => Load(stream, "the stream");

    /// <summary>Writes the checkpoint to a file; an existing file is replaced only once the new one is complete.</summary>
    /// <param name="path">The file to write.</param>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written; the message names the file, and a previous file is left intact.</exception>
    public void Save(string path) => AtomicFile.Write(path, "checkpoint", Save);

    /// <summary>Writes the checkpoint to a stream.</summary>
    /// <param name="destination">The stream.</param>
    public void Save(Stream destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var archive = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        using (Stream metadata = archive.CreateEntry(MetadataEntry, CompressionLevel.Fastest).Open())
        {
            JsonSerializer.Serialize(metadata, Metadata, Json);
        }

        using (Stream weights = archive.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open())
        {
            weights.Write(Weights);
        }

        using Stream optimizer = archive.CreateEntry(OptimizerEntry, CompressionLevel.Fastest).Open();
        optimizer.Write(OptimizerState);
    }

    /// <summary>The optimiser state may hold up to three tensors per parameter (AdamW: two moments and, with AMSGrad, the maximum second moment).</summary>
    private const int OptimizerStateCopies = 3;

    /// <summary>
    /// The most bytes <c>checkpoint.json</c> may take: 16 MiB, room for a hundred thousand class names of a hundred
    /// characters and the metrics of thousands of epochs, where a genuine file takes a few kilobytes.
    /// </summary>
    internal const int MaximumMetadataBytes = 16 << 20;

    private static InceptionCheckpoint Load(Stream stream, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
            ZipEntryNames.RequireUnique(archive, source, "an Inception checkpoint");
            if (archive.GetEntry(MetadataEntry) is null)
            {
                throw new InvalidDataException($"{source} is not an Inception checkpoint: it has no {MetadataEntry}.");
            }

            // Read in whole only up to a bound: a few kilobytes of deflated JSON could otherwise hold a string of gigabytes.
            byte[] json = ReadEntry(archive, MetadataEntry, source, MaximumMetadataBytes, "a checkpoint's metadata may take");
            CheckpointMetadata metadata = JsonSerializer.Deserialize<CheckpointMetadata>(json, Json)
                ?? throw new InvalidDataException($"{source} is not an Inception checkpoint: {MetadataEntry} is empty.");

            if (metadata.Format != FormatName)
            {
                throw new InvalidDataException($"{source} is not an Inception checkpoint: its format is '{metadata.Format}', expected '{FormatName}'.");
            }

            if (metadata.Version > FormatVersion)
            {
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{source} was written by a newer Microsoft.ML.Inception (checkpoint format version {metadata.Version}); this version reads format {FormatVersion} and older. Update the package to load it."));
            }

            // Every field, before anything is sized or built from it.
            if (CheckpointMetadataValidation.Problems(metadata) is { Count: > 0 } problems)
            {
                throw new InvalidDataException($"{source} is damaged: its {MetadataEntry} is not valid: {string.Join("; ", problems)}.");
            }

            // A checkpoint is data from anywhere: its entries may unpack only to what a network of its (validated)
            // options can need, so a crafted archive cannot make this allocate gigabytes.
            long weightsLimit = MaximumWeightsBytes(metadata.Network);
            byte[] weights = ReadEntry(archive, WeightsEntry, source, weightsLimit, "a network with its options needs");

            // Nor may a tensor header within them claim more than the bytes there: TorchSharp allocates from it.
            if (StateDictFormat.Problem(weights, out string? nonFiniteWeight) is string problem)
            {
                throw new InvalidDataException($"{source} is damaged or not a checkpoint of this library: its {WeightsEntry} {problem}.");
            }

            // The classifier decides the network's size: a class count other than its rows is refused before a network is built.
            if (CheckpointMetadataValidation.ClassifierProblem(StateDictFormat.Headers(weights), metadata.Network.NumberOfClasses, WeightsEntry) is string classifier)
            {
                throw new InvalidDataException($"{source} is damaged: {classifier}.");
            }

            // The same holds for the optimiser state, whose every tensor must also have the shape of its parameter.
            byte[] optimizerState = ReadEntry(archive, OptimizerEntry, source, OptimizerStateCopies * weightsLimit, "a network with its options needs");
            if (OptimizerStateFormat.Problem(optimizerState, metadata.Optimizer, weights, out string? nonFiniteState) is string optimizerProblem)
            {
                throw new InvalidDataException($"{source} is damaged or not a checkpoint of this library: its {OptimizerEntry} {optimizerProblem}.");
            }

            // Sound files of a run that went wrong: resuming would train on, or score with, weights that cannot be trusted.
            string? nonFinite = nonFiniteWeight is not null ? $"its {WeightsEntry} has one in {nonFiniteWeight}"
                : nonFiniteState is not null ? $"its {OptimizerEntry} has one in {nonFiniteState}"
                : null;
            if (nonFinite is not null)
            {
                throw new InvalidDataException($"{source} holds values that are not finite (NaN or infinity): {nonFinite}. It cannot be resumed; use a checkpoint saved before training went wrong.");
            }

            return new InceptionCheckpoint(metadata, weights, optimizerState, source);
        }
        catch (Exception e) when (e is JsonException or ArgumentOutOfRangeException or NotSupportedException)
        {
            throw new InvalidDataException($"{source} is not a valid Inception checkpoint: {e.Message}", e);
        }
        catch (InvalidDataException e) when (!e.Message.Contains("checkpoint", StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source} is not a valid Inception checkpoint (damaged or truncated archive): {e.Message}", e);
        }
    }

    /// <summary>
    /// The most bytes the weights of a network with these options can take: every parameter of the network and its
    /// auxiliary heads as float32, twice over for batch-norm statistics and the names and headers of the format,
    /// plus 1 MiB.
    /// </summary>
    private static long MaximumWeightsBytes(GoogLeNetOptions network) =>
        (2 * sizeof(float) * ModelSummary.Create(network, 224, 224).Layers.Sum(l => l.Parameters)) + (1L << 20);

    /// <summary>Reads an entry of at most <paramref name="limit"/> bytes, checking both the size the archive declares and the bytes it really unpacks.</summary>
    private static byte[] ReadEntry(ZipArchive archive, string name, string source, long limit, string limitReason)
    {
        ZipArchiveEntry entry = archive.GetEntry(name)
            ?? throw new InvalidDataException($"{source} is not a complete Inception checkpoint: it has no {name}.");
        InvalidDataException TooLarge(long size) => new(string.Create(CultureInfo.InvariantCulture,
            $"{source} is damaged or not a checkpoint of this library: its {name} unpacks to {size:N0} bytes or more, and {limitReason} at most {limit:N0}."));
        if (entry.Length > limit)
        {
            throw TooLarge(entry.Length);
        }

        using Stream data = entry.Open();
        using var copy = new MemoryStream((int)Math.Min(entry.Length, limit));
        byte[] buffer = new byte[81920];
        int read;
        while ((read = data.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (copy.Length + read > limit)
            {
                throw TooLarge(copy.Length + read);
            }

            copy.Write(buffer, 0, read);
        }

        return copy.ToArray();
    }
}

using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception;

/// <summary>
/// Trains a GoogLeNet (Inception v1) image classifier with TorchSharp inside an ML.NET pipeline.
/// Create it with <c>mlContext.Transforms.Inception(...)</c> (or, where ML.NET users look for trainers,
/// <c>mlContext.MulticlassClassification.Trainers.Inception(...)</c>: the same estimator).
/// </summary>
/// <remarks>
/// <para>Input and output columns:</para>
/// <list type="table">
/// <listheader><term>column</term><description>type and role</description></listheader>
/// <item><term><see cref="InceptionOptions.ImageColumnName"/></term><description>ML.NET image of known size (LoadImages + ResizeImages), or known-size vector of Single (ExtractPixels, planar C x H x W). Grey images train as 1 channel, colour as 3.</description></item>
/// <item><term><see cref="InceptionOptions.LabelColumnName"/></term><description>Key type (MapValueToKey): needed to train, not to score.</description></item>
/// <item><term><see cref="InceptionOptions.ScoreColumnName"/> (output)</term><description>Vector of Single: softmax probability of each class, in key order; its slot names are the class names.</description></item>
/// <item><term><see cref="InceptionOptions.PredictedLabelColumnName"/> (output)</term><description>The label's key type: the most probable class.</description></item>
/// </list>
/// <para>Training characteristics: mini-batch SGD with momentum (or AdamW), the main and the two auxiliary
/// losses (weight 0.3), learning-rate schedules, random crop and flip, validation after each epoch and early
/// stopping that keeps the best weights. The training images are read into memory once (one byte per pixel for
/// ML.NET images). Same seed, data and options on the CPU give identical models.</para>
/// <para>Progress goes to <c>MLContext.Log</c> (a line per epoch), <see cref="InceptionOptions.EpochCompleted"/> and, as
/// ML.NET's trainers report it, ML.NET's progress channel "Training GoogLeNet" (epochs and batches done, the epoch's loss
/// and accuracy so far, and a checkpoint entry per epoch with its metrics). <c>Fit</c> stops before the next batch when
/// <see cref="InceptionOptions.CancellationToken"/> or the MLContext (<c>MLContext.CancelExecution()</c>) is cancelled.</para>
/// <para>Transfer learning: <see cref="InceptionOptions.PretrainedWeights"/> starts from a weight file (safetensors,
/// PyTorch's <c>.pth</c>/<c>.pt</c> or TorchSharp's format), and <see cref="InceptionOptions.FineTuning"/> trains everything (the backbone optionally at a
/// lower learning rate) or only the classifier on features of the frozen backbone computed once.</para>
/// <para>Small data: runs of fewer than 200 optimizer steps (150 images at batch 64 for 5 epochs make 15) log a warning
/// with settings that give more, and <see cref="InceptionOptions.RecomputeBatchNormStatistics"/> recomputes batch norm's
/// statistics after the last epoch, so the model scores images as well as training reported.</para>
/// <para>CPU threads on Linux: libtorch's OpenMP threads spin 1,000 times before they sleep when waiting for work
/// (<c>GOMP_SPINCOUNT=1000</c>, which the library puts in the process's environment before libtorch starts, unless
/// <c>GOMP_SPINCOUNT</c> or <c>OMP_WAIT_POLICY</c> is already set). libgomp's own default, 300,000 spins, made training
/// 1.4 to 14 times slower while other processes kept the cores busy; 1,000 spins cost about a fifth on a quiet machine,
/// and <c>OMP_WAIT_POLICY=PASSIVE</c> nearly half (BENCHMARKS.md, "OpenMP threads on a busy machine"). To choose otherwise, set either variable in the environment before the program starts (or with
/// <see cref="Environment.SetEnvironmentVariable(string, string)"/> before the first use of this library); a program that
/// calls TorchSharp before this library keeps libgomp's default, and <c>Fit</c> logs so.</para>
/// </remarks>
public sealed class InceptionEstimator : IEstimator<InceptionTransformer>
{
    private readonly TransformsCatalog catalog;
    private readonly IHost host;
    private readonly InceptionOptions options;

    internal InceptionEstimator(TransformsCatalog catalog, InceptionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.catalog = catalog;
        host = CatalogEnvironment.Get(catalog).Register("Inception");
        this.options = options.Clone();
    }

    /// <summary>Trains the network on <paramref name="input"/> and returns the fitted transformer.</summary>
    /// <param name="input">Training data with the image and label columns.</param>
    /// <returns>The trained model.</returns>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type, or the images are of an unusable size.</exception>
    /// <exception cref="InvalidOperationException">
    /// The application references no libtorch package (the message names the one to add; checked before any image is
    /// read), or CUDA was asked for where there is none. The data hold no images or fewer than two classes, or training
    /// stopped because a loss, a gradient, a weight or a batch-norm statistic was not finite (the message names the epoch
    /// and the tensor, and says whether a lower learning rate can help). No model is returned then, and nothing the caller
    /// owns is changed (a checkpoint resumed from stays as it was).
    /// </exception>
    /// <exception cref="InvalidDataException">A checkpoint or weight file is damaged or holds NaN or infinity.</exception>
    /// <exception cref="OperationCanceledException">
    /// <see cref="InceptionOptions.CancellationToken"/> was cancelled, or the MLContext was (<c>MLContext.CancelExecution()</c>,
    /// as ML.NET's AutoML does; then with ML.NET's message "Operation was canceled."). Both are checked before every batch,
    /// while the images are read and while this Fit waits for another; nothing is left behind.
    /// </exception>
    /// <remarks>
    /// Fit may be called from several threads at once, on one estimator or on several: one Fit trains at a time in a
    /// process, and the others wait for it after checking their columns and checkpoint (libtorch's random generator,
    /// which initialises the weights and draws dropout, is one per process). Each therefore returns exactly the model it
    /// returns when called alone; with <see cref="InceptionOptions.Seed"/> unset, which seed of the MLContext's sequence
    /// each concurrent Fit takes depends on which starts first. Other code that draws from TorchSharp's random generator
    /// while a Fit trains (building a <see cref="GoogLeNet"/>, for example) changes that model.
    /// </remarks>
    public InceptionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ImageColumn image = ImageColumn.Inspect(input.Schema, options, input);
        LabelColumn label = LabelColumn.Inspect(input.Schema, options.LabelColumnName);
        RequireSourceColumn(input.Schema);
        ImageColumn? validationImage = null;
        if (options.ValidationSet is IDataView validationSet)
        {
            RequireSourceColumn(validationSet.Schema);
            validationImage = ImageColumn.Inspect(validationSet.Schema, options, validationSet);
            image.RequireSame(validationImage, nameof(InceptionOptions.ValidationSet));
            LabelColumn validationLabel = LabelColumn.Inspect(validationSet.Schema, options.LabelColumnName);
            if (validationLabel.ClassCount != label.ClassCount)
            {
                throw new ArgumentOutOfRangeException(
                    "inputSchema",
                    $"Schema mismatch for label column '{options.LabelColumnName}' in {nameof(InceptionOptions.ValidationSet)}: expected {label.Type}, got {validationLabel.Type}");
            }

            // Keys are compared as numbers: a validation set whose MapValueToKey numbered the classes in another order
            // would be scored against the wrong classes without an error.
            if (label.HasKeyValues && validationLabel.HasKeyValues && !label.ClassNames.SequenceEqual(validationLabel.ClassNames, StringComparer.Ordinal))
            {
                throw new ArgumentOutOfRangeException(
                    "inputSchema",
                    $"Schema mismatch for label column '{options.LabelColumnName}' in {nameof(InceptionOptions.ValidationSet)}: its key values name other classes or the same in another order (training: {NameList.Join(label.ClassNames)}; validation: {NameList.Join(validationLabel.ClassNames)}). Fit one MapValueToKey transformer and apply it to both data views.");
            }
        }

        TestTimeViews.Require(options.TestTimeAugmentation, image.Height, image.Width);
        TrainingDevice.Require(options.Device);
        (InceptionCheckpoint Checkpoint, CheckpointClassMatch Classes)? resumed = options.ResumeFrom is string checkpointPath ? LoadCompatibleCheckpoint(checkpointPath, image, label) : null;
        InceptionCheckpoint? resume = resumed?.Checkpoint;
        var cancellation = new FitCancellation(options.CancellationToken, host);

        // From here on Fit draws from libtorch's one random generator (the weight file's check builds a network), so it
        // waits while another Fit in the process trains, on this estimator or another.
        using ExclusiveTraining.Scope exclusive = ExclusiveTraining.Enter(cancellation, out bool waited);
        StoredWeights? pretrained = options.PretrainedWeights is string weightsPath ? LoadCompatibleWeights(weightsPath, image, label) : null;
        int seed = options.Seed ?? host.Rand.Next();
        cancellation.ThrowIfCancellationRequested();
        using IChannel channel = host.Start("Training");
        if (waited)
        {
            channel.Info(MessageSensitivity.None, "Another Fit was training in this process; this one waited for it to finish, since both would draw from libtorch's one random generator.");
        }

        if (resumed?.Classes.Note is string classOrder)
        {
            channel.Info(MessageSensitivity.UserData, classOrder);
        }

        int? resumedChannels = resume?.Network.InputChannels;
        var invalid = new List<InceptionSkippedImage>();
        var turned = new List<string>();
        using LabeledImages all = ImageDataReader.Read(catalog, input, ReadAs(image, resumedChannels), options, isValidationSet: false, invalid, out int skipped, cancellation, turned);
        RequireTrainable(all, label, skipped);

        // Images whose three channels are equal everywhere train a one-channel network; scoring then converts any
        // image to grey first (ImageDataReader.ExtractPixels), which leaves such images' pixels unchanged.
        int channels = resumedChannels ?? (image.IsImage && all.IsGrey() ? 1 : image.Channels);
        if (channels < all.Channels)
        {
            all.KeepFirstChannel();
        }

        LabeledImages? validation = null;
        LabeledImages train = all;
        try
        {
            if (options.ValidationSet is IDataView validationData)
            {
                validation = ImageDataReader.Read(catalog, validationData, ReadAs(validationImage!, channels), options, isValidationSet: true, invalid, out _, cancellation, turned);
                if (channels < validation.Channels)
                {
                    validation.KeepFirstChannel();
                }
            }
            else if (options.ValidationFraction > 0)
            {
                (IReadOnlyList<long> trainRows, IReadOnlyList<long> validationRows) = StratifiedSplit(all.Labels, options.ValidationFraction, seed);
                train = all.Select(trainRows);
                validation = all.Select(validationRows);
            }

            if (invalid.Count > 0)
            {
                channel.Warning(MessageSensitivity.UserData, string.Create(CultureInfo.InvariantCulture,
                    $"Left out {invalid.Count} image(s) that could not be loaded ({nameof(InceptionOptions.InvalidImages)} is {nameof(InceptionInvalidImageHandling.Skip)}): {string.Join("; ", invalid)}"));
            }

            if (ExifOrientationWarning(turned) is string turnedWarning)
            {
                channel.Warning(MessageSensitivity.UserData, turnedWarning);
            }

            channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
                $"Training GoogLeNet ({options.Variant}, width {options.WidthMultiplier}) on {train.Count} {image.Width}x{image.Height} images with {channels} channel(s), {label.ClassCount} classes{(validation is null ? string.Empty : $", validating on {validation.Count}")}{(skipped > 0 ? $"; skipped {skipped} rows without a label" : string.Empty)}."));
            TrainedNetwork trained;
            using (IProgressChannel progress = host.StartProgressChannel(TrainingProgress.ChannelName))
            {
                var trainer = new InceptionTrainer(options, channel, seed, cancellation, new TrainingProgress(progress));
                trained = trainer.Train(train, validation, label.ClassCount, resume, resumed?.Classes.Rows, pretrained);
            }

            using GoogLeNet network = trained.Network;

            // A cancellation during the last batch still cancels: no model is returned once the token or the MLContext is cancelled.
            cancellation.ThrowIfCancellationRequested();
            byte[] onnx = GoogLeNetOnnxExporter.Export(network, trained.Mean, trained.StandardDeviation, image.Height, image.Width, label.ClassNames, options.TestTimeAugmentation);
            ITransformer head = ClassifierHead.Fit(label, input.Schema[options.LabelColumnName], seed);
            var scoringContext = new ScoringContext(catalog, options, image, channels, head, input.Schema);
            (TransformerChain<ITransformer> Chain, TemporaryOnnxFile OnnxFile) scoring = ScoringChain.Build(scoringContext, onnx);
            var checkpoint = new InceptionCheckpoint(
                new CheckpointMetadata
                {
                    Network = network.Options,
                    ImageHeight = image.Height,
                    ImageWidth = image.Width,
                    ClassNames = label.ClassNames,
                    Mean = trained.Mean,
                    StandardDeviation = trained.StandardDeviation,
                    Optimizer = options.Optimizer,
                    EpochsCompleted = trained.History.Count,
                    History = trained.History,
                },
                trained.Weights,
                trained.OptimizerState);
            return new InceptionTransformer(scoring, onnx, checkpoint, trained.BestEpoch, invalid, scoringContext);
        }
        finally
        {
            validation?.Dispose();
            if (!ReferenceEquals(train, all))
            {
                train.Dispose();
            }
        }
    }

    /// <summary>
    /// Reports the columns <see cref="Fit"/> adds: the score column (vector of Single, one slot per class) and the
    /// predicted-label column (the label's key type), after checking the image and label columns.
    /// </summary>
    /// <param name="inputSchema">The shape of the training data.</param>
    /// <returns>The shape of the scored data.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The image or label column is missing or of the wrong type.</exception>
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (Find(inputSchema, options.ImageColumnName) is not SchemaShape.Column imageColumn)
        {
            throw SchemaErrors.Missing("image", options.ImageColumnName);
        }

        bool vectorOfSingle = imageColumn.Kind == SchemaShape.Column.VectorKind.Vector && imageColumn.ItemType == NumberDataViewType.Single;
        if (!vectorOfSingle && imageColumn.ItemType is not Microsoft.ML.Transforms.Image.ImageDataViewType)
        {
            throw SchemaErrors.Mismatch("image", options.ImageColumnName, ImageColumn.ExpectedType, imageColumn.ItemType);
        }

        if (Find(inputSchema, options.LabelColumnName) is not SchemaShape.Column labelColumn)
        {
            throw SchemaErrors.Missing("label", options.LabelColumnName);
        }

        if (!labelColumn.IsKey)
        {
            throw SchemaErrors.Mismatch("label", options.LabelColumnName, LabelColumn.ExpectedType, labelColumn.ItemType);
        }

        // SchemaShape.Column's constructor is internal: take the shapes from stock estimators that add columns of
        // exactly these kinds (a copy of the key label, and a float vector with one slot per key).
        return catalog.CopyColumns(options.PredictedLabelColumnName, options.LabelColumnName)
            .Append(catalog.Categorical.OneHotEncoding(options.ScoreColumnName, options.LabelColumnName))
            .GetOutputSchema(inputSchema);
    }

    /// <summary>
    /// Reads the checkpoint and checks it against the data before any image is read: the same classes by name (in
    /// another order they are mapped, see <see cref="CheckpointClassMatch"/>), image size and channels.
    /// </summary>
    private (InceptionCheckpoint Checkpoint, CheckpointClassMatch Classes) LoadCompatibleCheckpoint(string path, ImageColumn image, LabelColumn label)
    {
        InceptionCheckpoint checkpoint = InceptionCheckpoint.Load(path);
        CheckpointClassMatch classes = CheckpointClassMatch.Create(checkpoint.ClassNames, label, options.LabelColumnName, path);

        if (checkpoint.ImageWidth != image.Width || checkpoint.ImageHeight != image.Height)
        {
            throw new ArgumentOutOfRangeException(
                nameof(InceptionOptions.ResumeFrom),
                string.Create(CultureInfo.InvariantCulture, $"The checkpoint '{path}' was trained on {checkpoint.ImageWidth}x{checkpoint.ImageHeight} images, but column '{options.ImageColumnName}' holds {image.Width}x{image.Height} images."));
        }

        if (!image.IsImage && checkpoint.Network.InputChannels != image.Channels)
        {
            throw new ArgumentOutOfRangeException(
                nameof(InceptionOptions.ResumeFrom),
                string.Create(CultureInfo.InvariantCulture, $"The checkpoint '{path}' was trained on {checkpoint.Network.InputChannels} channel(s), but column '{options.ImageColumnName}' holds {image.Channels}."));
        }

        return (checkpoint, classes);
    }

    /// <summary>
    /// Reads the pretrained weights and checks them against the network these options build, before any image is read:
    /// a file for another variant or width fails here with every tensor that does not fit. The network's channel count is
    /// known only once the images are read (grey images train one channel), and conv1 adapts between 1 and 3 channels
    /// either way, so the check takes the file's, and an error shows only the differences that matter.
    /// </summary>
    private StoredWeights LoadCompatibleWeights(string path, ImageColumn image, LabelColumn label)
    {
        StoredWeights weights = WeightFile.Read(path, "pretrained weights");
        int channels = weights.TryGet("conv1.conv.weight", out StoredTensor conv1) && conv1.Shape is [_, 1 or 3, _, _] ? (int)conv1.Shape[1] : image.Channels;
        using var probe = new GoogLeNet(options.NetworkOptions(label.ClassCount, channels));
        GoogLeNetWeightMatch match = GoogLeNetWeightMatch.Create(probe, weights);
        if (!match.Fits)
        {
            throw new ArgumentOutOfRangeException(nameof(InceptionOptions.PretrainedWeights), match.Describe(path));
        }

        return weights;
    }

    /// <summary>
    /// The warning for image files whose EXIF orientation <c>LoadImages</c> ignores (their names with the orientation,
    /// the first few and a count), or null when there are none.
    /// </summary>
    private static string? ExifOrientationWarning(IReadOnlyList<string> turned)
    {
        const int Named = 5;
        if (turned.Count == 0)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{turned.Count} image file(s) carry an EXIF orientation, which LoadImages ignores, so they are trained on as stored, turned or mirrored from how a viewer shows them: {NameList.Join(turned, Named)}. "
            + $"Turn the files themselves (for example exiftran -ai or mogrify -auto-orient), or load them upright with {nameof(InceptionImageFile)}.{nameof(InceptionImageFile.Load)} into an MLImage column, for training and scoring alike.");
    }

    private static SchemaShape.Column? Find(SchemaShape shape, string name) =>
        shape.Where(c => c.Name == name).Select(c => (SchemaShape.Column?)c).LastOrDefault();

    /// <summary>ML.NET images for a network of known channels are read as the scoring chain reads them: grey for one channel.</summary>
    private static ImageColumn ReadAs(ImageColumn image, int? networkChannels) =>
        image.IsImage && networkChannels == 1 ? image with { Channels = 1 } : image;

    /// <summary>The column that names images in reports, when one is set, must be text.</summary>
    private void RequireSourceColumn(DataViewSchema schema)
    {
        if (options.ImageSourceColumnName is not string name)
        {
            return;
        }

        DataViewSchema.Column column = schema.GetColumnOrNull(name) ?? throw SchemaErrors.Missing("image source", name);
        if (column.Type is not TextDataViewType)
        {
            throw SchemaErrors.Mismatch("image source", name, "String", column.Type);
        }
    }

    private static void RequireTrainable(LabeledImages images, LabelColumn label, int skipped)
    {
        if (images.Count == 0)
        {
            throw new InvalidOperationException(skipped > 0
                ? $"The training data hold no labelled images: all {skipped} rows have a missing label."
                : "The training data are empty: Inception needs labelled images to train on.");
        }

        int present = images.Labels.Distinct().Count();
        if (present < 2)
        {
            throw new InvalidOperationException(
                $"The training data hold images of {present} class ('{label.ClassNames[(int)images.Labels[0]]}'); a classifier needs at least two.");
        }
    }

    private static (IReadOnlyList<long> Train, IReadOnlyList<long> Validation) StratifiedSplit(long[] labels, double fraction, int seed)
    {
        var random = new Random(seed);
        var train = new List<long>();
        var validation = new List<long>();
        foreach (IGrouping<long, long> group in Enumerable.Range(0, labels.Length).Select(i => (long)i).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            long[] rows = group.ToArray();
            random.Shuffle(rows);
            int held = (int)Math.Round(rows.Length * fraction);
            validation.AddRange(rows.Take(held));
            train.AddRange(rows.Skip(held));
        }

        train.Sort();
        validation.Sort();
        return (train, validation);
    }
}

using System.Globalization;
using System.Text.RegularExpressions;

namespace Microsoft.ML.Inception;

/// <summary>
/// Options of <see cref="InceptionEstimator"/>: columns, network, optimisation, augmentation, validation and
/// progress. Every option has a documented default; <see cref="Validate"/> reports all invalid ones at once.
/// </summary>
public sealed partial class InceptionOptions
{
    /// <summary>Name of the label column: a key type, as <c>MapValueToKey</c> produces. Class names come from its key values.</summary>
    /// <value>The default value is "Label".</value>
    public string LabelColumnName { get; set; } = DefaultColumnNames.Label;

    /// <summary>
    /// Name of the image column: an ML.NET image of known size (<c>LoadImages</c> then <c>ResizeImages</c>), or a
    /// float vector of known size from <c>ExtractPixels</c> (planar channels: C x H x W, any scaling).
    /// </summary>
    /// <value>The default value is "Image".</value>
    public string ImageColumnName { get; set; } = DefaultColumnNames.Image;

    /// <summary>Name of the output column holding the softmax probability of every class.</summary>
    /// <value>The default value is "Score".</value>
    public string ScoreColumnName { get; set; } = DefaultColumnNames.Score;

    /// <summary>Name of the output column holding the predicted class, with the label's key type.</summary>
    /// <value>The default value is "PredictedLabel".</value>
    public string PredictedLabelColumnName { get; set; } = DefaultColumnNames.PredictedLabel;

    /// <summary>Number of passes over the training data.</summary>
    /// <value>The default value is 10. Must be at least 1.</value>
    public int Epochs { get; set; } = 10;

    /// <summary>Images per mini-batch. A batch size larger than the training set is reduced to the training set's size (and logged).</summary>
    /// <value>The default value is 64. Must be at least 1.</value>
    public int BatchSize { get; set; } = 64;

    /// <summary>The peak learning rate.</summary>
    /// <value>The default value is 0.05 (SGD with momentum, batch 64). Must be greater than 0 and at most 10.</value>
    public double LearningRate { get; set; } = 0.05;

    /// <summary>How the learning rate changes over training.</summary>
    /// <value>The default value is <see cref="InceptionLearningRateSchedule.Cosine"/>.</value>
    public InceptionLearningRateSchedule LearningRateSchedule { get; set; } = InceptionLearningRateSchedule.Cosine;

    /// <summary>The optimiser.</summary>
    /// <value>The default value is <see cref="InceptionOptimizer.SgdMomentum"/>.</value>
    public InceptionOptimizer Optimizer { get; set; } = InceptionOptimizer.SgdMomentum;

    /// <summary>Momentum of <see cref="InceptionOptimizer.SgdMomentum"/> (ignored by AdamW).</summary>
    /// <value>The default value is 0.9 (the paper's). Must be in [0, 1).</value>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Weight decay (L2 penalty for SGD, decoupled decay for AdamW).</summary>
    /// <value>The default value is 0.0005. Must be in [0, 1).</value>
    public double WeightDecay { get; set; } = 5e-4;

    /// <summary>Label smoothing of the cross-entropy loss (Inception v3's regulariser).</summary>
    /// <value>The default value is 0 (off). Must be in [0, 1).</value>
    public double LabelSmoothing { get; set; }

    /// <summary>
    /// Which definition of GoogLeNet to train. The paper's has no batch norm: train it with a lower learning rate
    /// (about 0.01 with SGD) and expect it to need more epochs.
    /// </summary>
    /// <value>The default value is <see cref="GoogLeNetVariant.TorchVision"/> (batch norm; trains from scratch far more readily).</value>
    public GoogLeNetVariant Variant { get; set; } = GoogLeNetVariant.TorchVision;

    /// <summary>Multiplies every channel count of the network; 0.25-0.5 trains several times faster on CPUs.</summary>
    /// <value>The default value is 1.0 (the paper's widths). Must be greater than 0 and at most 4.</value>
    public double WidthMultiplier { get; set; } = 1.0;

    /// <summary>Weight of each auxiliary classifier's loss; 0 builds no auxiliary classifiers.</summary>
    /// <value>The default value is 0.3 (the paper's). Must be in [0, 10].</value>
    public double AuxiliaryLossWeight { get; set; } = 0.3;

    /// <summary>Dropout before the classifier, or <see langword="null"/> for the variant's own (0.4 paper, 0.2 torchvision).</summary>
    /// <value>The default value is <see langword="null"/>. Must be in [0, 1).</value>
    public double? Dropout { get; set; }

    /// <summary>Random crops: each training image is padded by an eighth of its size and cropped back at a random offset.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RandomCrop { get; set; } = true;

    /// <summary>Random horizontal flips of training images (turn off for text, digits and other images that are not mirror-symmetric in meaning).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool HorizontalFlip { get; set; } = true;

    /// <summary>
    /// Recomputes every batch norm's running mean and variance after the last epoch ("precise BN"): exact averages over
    /// the training images (at most 10,000 of them, not augmented) in forward passes with the final weights, instead of
    /// the moving averages (momentum 0.1) that training leaves. After few optimiser steps those still hold much of their
    /// initial values and of earlier weights' statistics, and scoring normalises with them: 150 images, batch 64 and
    /// 5 epochs (15 steps) gave a model that scored its own training images far below the training accuracy the log
    /// showed. They are recomputed before the last epoch's validation, so that it reports the model <c>Fit</c> returns, and
    /// with <see cref="EarlyStoppingPatience"/> before every epoch's validation, since any epoch's weights may be kept. Does
    /// nothing for the <see cref="GoogLeNetVariant.Paper"/> variant (no batch norm) and in
    /// <see cref="InceptionFineTuning.HeadOnly"/> fine-tuning (the frozen backbone keeps its statistics).
    /// </summary>
    /// <value>The default value is <see langword="true"/>. Each recomputation is one forward pass without gradients over
    /// those images: on the main example's network about a quarter of the time of a training epoch over as many images
    /// (22 s against 82 s for 10,000 on 2 loaded cores), under 1% of the main example's 7 epochs on 60,000 images.</value>
    public bool RecomputeBatchNormStatistics { get; set; } = true;

    /// <summary>
    /// Views of each image to score and average at prediction time (horizontal flip, 10 crops or the paper's 144 crops);
    /// part of the trained model's ONNX graph, so it survives saving and loading. Training is not affected; validation
    /// during training scores one view. <see cref="InceptionTransformer.WithTestTimeAugmentation"/> changes it on a trained model.
    /// </summary>
    /// <value>The default value is <see cref="InceptionTestTimeAugmentation.None"/>.</value>
    public InceptionTestTimeAugmentation TestTimeAugmentation { get; set; }

    /// <summary>Images to validate on after every epoch, with the same columns as the training data.</summary>
    /// <value>The default value is <see langword="null"/>. Cannot be combined with <see cref="ValidationFraction"/>.</value>
    public IDataView? ValidationSet { get; set; }

    /// <summary>
    /// What to do with an image that cannot be loaded (an empty, truncated or non-image file): stop with an error that
    /// names it, or leave it out and report it. Either way this is decided while the images are read, before training.
    /// </summary>
    /// <value>The default value is <see cref="InceptionInvalidImageHandling.Fail"/>, as ML.NET's image loader does.</value>
    public InceptionInvalidImageHandling InvalidImages { get; set; } = InceptionInvalidImageHandling.Fail;

    /// <summary>
    /// A text column that names each image, usually the path column <c>LoadImages</c> read, used to name unreadable
    /// images in errors and in <see cref="InceptionTransformer.SkippedImages"/>; when not set they are named by row number.
    /// </summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? ImageSourceColumnName { get; set; }

    /// <summary>
    /// The folder the paths in <see cref="ImageSourceColumnName"/> are relative to (the <c>imageFolder</c> given to
    /// <c>LoadImages</c>; absolute paths are used as they are). When set, every image file is also decoded completely
    /// before training (<see cref="InceptionImageFile.DecodesCompletely(string, long)"/>), and a file <c>LoadImages</c> accepts only
    /// partly, such as a JPEG cut short after its header, which it returns as a partly grey picture without an error,
    /// is handled like an unreadable image, as <see cref="InvalidImages"/> says. Costs one more decode per image.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (files are not checked beyond what <c>LoadImages</c> does).
    /// Needs <see cref="ImageSourceColumnName"/>.</value>
    public string? ImageFolder { get; set; }

    /// <summary>
    /// The most pixels (width times height, as the file's header declares them) an image file may have. With
    /// <see cref="ImageFolder"/> set, every file's header is read before any image is decoded, and a file declaring more
    /// (a decompression bomb: a PNG of a few hundred kilobytes can declare 30000x30000 pixels, which aborts the process
    /// when <c>LoadImages</c> decodes it) is never decoded: it is handled like an unreadable image, as
    /// <see cref="InvalidImages"/> says, and the error or <see cref="InceptionTransformer.SkippedImages"/> gives its
    /// declared size. Without <see cref="ImageFolder"/> the library sees only what <c>LoadImages</c> has already decoded;
    /// check such files with <see cref="InceptionImageFile.DecodesCompletely(string, long)"/> first.
    /// </summary>
    /// <value>The default value is <see cref="InceptionImageFile.DefaultMaximumPixels"/> (50,000,000). Must be at least 1.</value>
    public long MaximumImagePixels { get; set; } = InceptionImageFile.DefaultMaximumPixels;

    /// <summary>Share of the training data held out (stratified by class) for validation after every epoch.</summary>
    /// <value>The default value is 0 (no hold-out). Must be in [0, 0.5].</value>
    public double ValidationFraction { get; set; }

    /// <summary>Stop when validation accuracy has not improved for this many epochs; the best epoch's weights are kept.</summary>
    /// <value>The default value is <see langword="null"/> (train all epochs). Must be at least 1, and needs validation data.</value>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>Seed of weight initialisation, shuffling, augmentation and dropout.</summary>
    /// <value>The default value is <see langword="null"/>: a seed drawn from the MLContext's random source, so <c>new MLContext(seed: 1)</c> makes training repeatable.</value>
    public int? Seed { get; set; }

    /// <summary>
    /// TorchSharp device to train on: "cpu", "cuda" or "cuda:N". "cuda" needs an NVIDIA GPU and a CUDA libtorch package in
    /// the application (libtorch-cuda-12.8-linux-x64 or libtorch-cuda-12.8-win-x64, 2.10.0) instead of a libtorch-cpu one.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (CPU).</value>
    public string? Device { get; set; }

    /// <summary>
    /// libtorch's intra-op threads while <c>Fit</c> trains on the CPU. libtorch's count is process-wide: it is set when a
    /// <c>Fit</c> starts, and the count from before comes back when the last <c>Fit</c> running ends. Models trained with
    /// different counts differ in their last bits (sums in another order); the same count and seed train the same model.
    /// </summary>
    /// <value>
    /// The default value is <see langword="null"/>: one thread for networks below 50 million multiply-adds per image (the
    /// width-reduced networks at small image sizes, such as the Fashion-MNIST example's), where one thread trained faster
    /// than several on a quiet machine and several times faster on a busy one; otherwise libtorch's count
    /// (<c>torch.get_num_threads()</c>: the physical cores unless the program set another). Must be at least 1 when set.
    /// </value>
    public int? IntraOpThreads { get; set; }

    /// <summary>Expected image width in pixels; when set, images of another width are an error.</summary>
    /// <value>The default value is <see langword="null"/>: taken from the image column. At least 32 when set.</value>
    public int? ImageWidth { get; set; }

    /// <summary>Expected image height in pixels; when set, images of another height are an error.</summary>
    /// <value>The default value is <see langword="null"/>: taken from the image column. At least 32 when set.</value>
    public int? ImageHeight { get; set; }

    /// <summary>Per-channel mean subtracted from the pixel values (as the image column holds them, 0-255 for images).</summary>
    /// <value>The default value is <see langword="null"/>: computed from the training data. One value per channel when set.</value>
    public IReadOnlyList<float>? NormalizationMean { get; set; }

    /// <summary>Per-channel standard deviation the centred pixel values are divided by.</summary>
    /// <value>The default value is <see langword="null"/>: computed from the training data. One positive value per channel when set.</value>
    public IReadOnlyList<float>? NormalizationStandardDeviation { get; set; }

    /// <summary>
    /// A checkpoint file (<see cref="InceptionTransformer.SaveCheckpoint(string)"/>) to resume training from: its weights,
    /// optimiser state, network options, normalisation and epoch count carry on, and <see cref="Epochs"/> more epochs run.
    /// The data must have the checkpoint's classes and image size. The learning-rate schedule spans the new epochs.
    /// <para>Classes are matched by name: the checkpoint's class names against the label column's key values. Other
    /// classes (a different set, or another count) fail before any image is read, naming the classes missing from the
    /// data and those new in it. The same classes numbered in another order (MapValueToKey numbers them by first
    /// occurrence, so the same images read in another order number them differently) are mapped: the classifier rows of
    /// <c>fc</c> and of the auxiliary heads, and their optimiser state, are reordered to the label's key order, and the
    /// log says so; the returned model and its checkpoint use the label's order. A label without key values (keys made
    /// from numbers with no names) cannot be compared by name: then only the count is checked and the log says that the
    /// order could not be checked.</para>
    /// </summary>
    /// <value>The default value is <see langword="null"/> (train from scratch). Cannot be combined with <see cref="PretrainedWeights"/>;
    /// <see cref="FineTuning"/> <see cref="InceptionFineTuning.HeadOnly"/> goes on training only the classifier.</value>
    public string? ResumeFrom { get; set; }

    /// <summary>
    /// A weight file to start from instead of fresh weights (transfer learning): safetensors, such as torchvision's ImageNet
    /// GoogLeNet converted as the README shows or a file <see cref="InceptionTransformer.SaveWeights(string)"/> wrote,
    /// a PyTorch state dict saved by <c>torch.save</c> (<c>.pth</c>, <c>.pt</c>; read without running its pickle, see
    /// <see cref="GoogLeNetWeights"/>), or TorchSharp's format (<c>Module.save</c>). Tensors map by name, one to one onto torchvision's names for the
    /// <see cref="GoogLeNetVariant.TorchVision"/> variant, so <see cref="Variant"/> and <see cref="WidthMultiplier"/> must be
    /// those of the network the weights come from. The classifiers (<c>fc</c>, <c>aux1.fc2</c>, <c>aux2.fc2</c>) start afresh
    /// when the file is for another number of classes, and are loaded when it is for as many: weight files name no classes,
    /// so they are assumed to be the same classes in key order, which cannot be checked, and the log says that the
    /// classifiers were kept and why (to go on training a model of your classes with their names checked, use
    /// <see cref="ResumeFrom"/> with its checkpoint instead); auxiliary classifiers the file lacks start afresh; colour
    /// conv1 weights are summed for grey images.
    /// Any other mismatch fails before training with an error listing the missing, unexpected and wrongly shaped tensors;
    /// see <see cref="GoogLeNetWeights"/>. Normalisation is still computed from the training data unless
    /// <see cref="NormalizationMean"/> and <see cref="NormalizationStandardDeviation"/> are set.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (fresh weights). Cannot be combined with <see cref="ResumeFrom"/>.</value>
    public string? PretrainedWeights { get; set; }

    /// <summary>
    /// What trains when <see cref="PretrainedWeights"/> or <see cref="ResumeFrom"/> gives the network its weights:
    /// <see cref="InceptionFineTuning.Full"/> (everything, the backbone at <see cref="BackboneLearningRateFactor"/> times the
    /// learning rate) or <see cref="InceptionFineTuning.HeadOnly"/> (the classifier on cached features of the frozen backbone).
    /// </summary>
    /// <value>The default value is <see langword="null"/>: <see cref="InceptionFineTuning.Full"/> with <see cref="PretrainedWeights"/> or
    /// <see cref="ResumeFrom"/>, <see cref="InceptionFineTuning.FromScratch"/> without. <see cref="InceptionFineTuning.FromScratch"/>
    /// cannot be combined with either; <see cref="InceptionFineTuning.Full"/> and <see cref="InceptionFineTuning.HeadOnly"/> need one of them.</value>
    public InceptionFineTuning? FineTuning { get; set; }

    /// <summary>
    /// Multiplies the learning rate of the backbone (every layer but the classifiers <c>fc</c>, <c>aux1</c> and <c>aux2</c>) in
    /// <see cref="InceptionFineTuning.Full"/> fine-tuning, so pretrained features change slowly while the new classifier
    /// learns at the full rate; 0.1 is typical. The schedule scales both rates alike.
    /// </summary>
    /// <value>The default value is 1 (one learning rate for every layer). Must be greater than 0 and at most 1, and 1 unless
    /// fine-tuning is <see cref="InceptionFineTuning.Full"/>.</value>
    public double BackboneLearningRateFactor { get; set; } = 1.0;

    /// <summary>Called after every epoch with its metrics (on the training thread).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public Action<InceptionEpochMetrics>? EpochCompleted { get; set; }

    /// <summary>
    /// Stops training within one batch when cancelled; <c>Fit</c> then throws <see cref="OperationCanceledException"/>.
    /// The MLContext's own cancellation (<c>MLContext.CancelExecution()</c>, which ML.NET's AutoML uses) stops it the same way.
    /// </summary>
    /// <value>The default value is <see cref="CancellationToken.None"/>.</value>
    public CancellationToken CancellationToken { get; set; }

    /// <summary>Test seam: called on the training thread as each training batch starts, with its number in this Fit (from 1), so tests count batches instead of timing them.</summary>
    internal Action<long>? BatchStarting { get; set; }

    /// <summary>Test seam: called with the image count each time the trained network's backbone runs, so tests count backbone passes instead of timing epochs.</summary>
    internal Action<long>? BackboneRunning { get; set; }

    /// <summary>Checks every option and reports all invalid ones in one exception.</summary>
    /// <exception cref="ArgumentOutOfRangeException">One or more options are invalid; the message lists each with its value.</exception>
    public void Validate()
    {
        var problems = new List<(string Name, string Message)>();
        void Check(bool valid, string name, string requirement, object? value)
        {
            if (!valid)
            {
                problems.Add((name, string.Create(CultureInfo.InvariantCulture, $"{name} must be {requirement}, got {Format(value)}.")));
            }
        }

        foreach ((string name, string value) in new[]
        {
            (nameof(LabelColumnName), LabelColumnName), (nameof(ImageColumnName), ImageColumnName),
            (nameof(ScoreColumnName), ScoreColumnName), (nameof(PredictedLabelColumnName), PredictedLabelColumnName),
        })
        {
            Check(!string.IsNullOrWhiteSpace(value), name, "a column name", value);
        }

        Check(Enum.IsDefined(InvalidImages), nameof(InvalidImages), "Fail or Skip", InvalidImages);
        Check(Enum.IsDefined(TestTimeAugmentation), nameof(TestTimeAugmentation), "None, HorizontalFlip, TenCrop or Crops144", TestTimeAugmentation);
        Check(ImageSourceColumnName is null || !string.IsNullOrWhiteSpace(ImageSourceColumnName), nameof(ImageSourceColumnName), "null or a column name", ImageSourceColumnName);
        Check(ImageFolder is null || ImageSourceColumnName is not null, nameof(ImageFolder), $"null when {nameof(ImageSourceColumnName)} is not set", ImageFolder);
        Check(ImageFolder is null || Directory.Exists(ImageFolder), nameof(ImageFolder), "null or an existing folder", ImageFolder);
        Check(MaximumImagePixels >= 1, nameof(MaximumImagePixels), "at least 1", MaximumImagePixels);
        Check(ScoreColumnName != PredictedLabelColumnName, nameof(PredictedLabelColumnName), $"different from {nameof(ScoreColumnName)}", PredictedLabelColumnName);
        Check(Epochs >= 1, nameof(Epochs), "at least 1", Epochs);
        Check(BatchSize >= 1, nameof(BatchSize), "at least 1", BatchSize);
        Check(LearningRate > 0 && LearningRate <= 10, nameof(LearningRate), "greater than 0 and at most 10", LearningRate);
        Check(Enum.IsDefined(LearningRateSchedule), nameof(LearningRateSchedule), "a defined schedule", LearningRateSchedule);
        Check(Enum.IsDefined(Optimizer), nameof(Optimizer), "a defined optimizer", Optimizer);
        Check(Momentum >= 0 && Momentum < 1, nameof(Momentum), "in [0, 1)", Momentum);
        Check(WeightDecay >= 0 && WeightDecay < 1, nameof(WeightDecay), "in [0, 1)", WeightDecay);
        Check(LabelSmoothing >= 0 && LabelSmoothing < 1, nameof(LabelSmoothing), "in [0, 1)", LabelSmoothing);
        Check(Enum.IsDefined(Variant), nameof(Variant), "Paper or TorchVision", Variant);
        Check(WidthMultiplier > 0 && WidthMultiplier <= 4, nameof(WidthMultiplier), "greater than 0 and at most 4", WidthMultiplier);
        Check(AuxiliaryLossWeight >= 0 && AuxiliaryLossWeight <= 10, nameof(AuxiliaryLossWeight), "in [0, 10]", AuxiliaryLossWeight);
        Check(Dropout is null || (Dropout >= 0 && Dropout < 1), nameof(Dropout), "in [0, 1)", Dropout);
        Check(ValidationFraction >= 0 && ValidationFraction <= 0.5, nameof(ValidationFraction), "in [0, 0.5]", ValidationFraction);
        Check(ValidationSet is null || ValidationFraction == 0, nameof(ValidationFraction), $"0 when {nameof(ValidationSet)} is set", ValidationFraction);
        Check(EarlyStoppingPatience is null || EarlyStoppingPatience >= 1, nameof(EarlyStoppingPatience), "at least 1", EarlyStoppingPatience);
        Check(EarlyStoppingPatience is null || ValidationSet is not null || ValidationFraction > 0, nameof(EarlyStoppingPatience), $"unset without {nameof(ValidationSet)} or {nameof(ValidationFraction)}", EarlyStoppingPatience);
        Check(Device is null || DevicePattern().IsMatch(Device), nameof(Device), "\"cpu\", \"cuda\" or \"cuda:N\"", Device);
        Check(IntraOpThreads is null || IntraOpThreads >= 1, nameof(IntraOpThreads), "at least 1", IntraOpThreads);
        Check(ImageWidth is null || ImageWidth >= GoogLeNetOptions.MinimumImageSize, nameof(ImageWidth), $"at least {GoogLeNetOptions.MinimumImageSize}", ImageWidth);
        Check(ImageHeight is null || ImageHeight >= GoogLeNetOptions.MinimumImageSize, nameof(ImageHeight), $"at least {GoogLeNetOptions.MinimumImageSize}", ImageHeight);
        Check(NormalizationMean is null || NormalizationMean.Count is 1 or 3, nameof(NormalizationMean), "one value per channel (1 or 3 values)", NormalizationMean?.Count);
        Check(NormalizationStandardDeviation is null || (NormalizationStandardDeviation.Count is 1 or 3 && NormalizationStandardDeviation.All(s => s > 0)), nameof(NormalizationStandardDeviation), "one positive value per channel (1 or 3 values)", NormalizationStandardDeviation is null ? null : string.Join(", ", NormalizationStandardDeviation));
        Check(PretrainedWeights is null || !string.IsNullOrWhiteSpace(PretrainedWeights), nameof(PretrainedWeights), "null or a file path", PretrainedWeights);
        Check(PretrainedWeights is null || ResumeFrom is null, nameof(PretrainedWeights), $"null when {nameof(ResumeFrom)} is set (a checkpoint holds its own weights)", PretrainedWeights);
        Check(FineTuning is null || Enum.IsDefined(FineTuning.Value), nameof(FineTuning), "null, FromScratch, Full or HeadOnly", FineTuning);
        Check(FineTuning != InceptionFineTuning.FromScratch || (PretrainedWeights is null && ResumeFrom is null), nameof(FineTuning), $"null, Full or HeadOnly when {nameof(PretrainedWeights)} or {nameof(ResumeFrom)} is set", FineTuning);
        Check(FineTuning is not (InceptionFineTuning.Full or InceptionFineTuning.HeadOnly) || PretrainedWeights is not null || ResumeFrom is not null, nameof(FineTuning), $"null or FromScratch without {nameof(PretrainedWeights)} or {nameof(ResumeFrom)}", FineTuning);
        Check(BackboneLearningRateFactor > 0 && BackboneLearningRateFactor <= 1, nameof(BackboneLearningRateFactor), "greater than 0 and at most 1", BackboneLearningRateFactor);
        Check(BackboneLearningRateFactor == 1 || EffectiveFineTuning == InceptionFineTuning.Full, nameof(BackboneLearningRateFactor), $"1 unless fine-tuning is Full (it is {EffectiveFineTuning})", BackboneLearningRateFactor);
        Check((NormalizationMean is null) == (NormalizationStandardDeviation is null), nameof(NormalizationStandardDeviation), $"set together with {nameof(NormalizationMean)}", NormalizationStandardDeviation is null ? "null" : "a value");

        if (problems.Count > 0)
        {
            throw new ArgumentOutOfRangeException(problems[0].Name, "Invalid Inception options: " + string.Join(" ", problems.Select(p => p.Message)));
        }
    }

    /// <summary>The fine-tuning mode <see cref="FineTuning"/> means: its value, or what its <see langword="null"/> default stands for.</summary>
    internal InceptionFineTuning EffectiveFineTuning =>
        FineTuning ?? (PretrainedWeights is not null || ResumeFrom is not null ? InceptionFineTuning.Full : InceptionFineTuning.FromScratch);

    /// <summary>The network these options build for a number of classes and input channels.</summary>
    internal GoogLeNetOptions NetworkOptions(int classCount, int channels) => new()
    {
        NumberOfClasses = classCount,
        InputChannels = channels,
        Variant = Variant,
        WidthMultiplier = WidthMultiplier,
        AuxiliaryClassifiers = AuxiliaryLossWeight > 0,
        Dropout = Dropout,
    };

    /// <summary>A shallow copy, so training never writes back into the caller's options.</summary>
    internal InceptionOptions Clone() => (InceptionOptions)MemberwiseClone();

    private static string Format(object? value) => value switch
    {
        null => "null",
        string s => $"'{s}'",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    [GeneratedRegex("^(cpu|cuda(:[0-9]+)?)$")]
    private static partial Regex DevicePattern();
}

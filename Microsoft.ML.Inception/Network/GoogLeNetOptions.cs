using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>Describes a <see cref="GoogLeNet"/> network: its variant, size, inputs and classifier.</summary>
public sealed record GoogLeNetOptions
{
    /// <summary>The smallest input height and width the network accepts: five stride-2 stages reduce 32 px to 1x1.</summary>
    public const int MinimumImageSize = 32;

    /// <summary>Dropout before the classifier in the paper (40%).</summary>
    public const double PaperDropout = 0.4;

    /// <summary>Dropout before the classifier in torchvision's <c>googlenet</c> (20%).</summary>
    public const double TorchVisionDropout = 0.2;

    /// <summary>Number of output classes.</summary>
    /// <value>The default value is 1000 (ImageNet).</value>
    public int NumberOfClasses { get; init; } = 1000;

    /// <summary>Channels of the input images: 1 (grey) or 3 (colour).</summary>
    /// <value>The default value is 3.</value>
    public int InputChannels { get; init; } = 3;

    /// <summary>Which definition of GoogLeNet to build.</summary>
    /// <value>The default value is <see cref="GoogLeNetVariant.TorchVision"/>.</value>
    public GoogLeNetVariant Variant { get; init; } = GoogLeNetVariant.TorchVision;

    /// <summary>
    /// Multiplies every channel count (stem, Inception branches, auxiliary heads); counts are rounded
    /// and never fall below 1. Values below 1 trade accuracy for speed, e.g. 0.25 for CPU training and tests.
    /// </summary>
    /// <value>The default value is 1.0 (the paper's widths). Must be greater than 0 and at most 4.</value>
    public double WidthMultiplier { get; init; } = 1.0;

    /// <summary>Whether to build the two auxiliary classifiers on top of inception 4a and 4d (used in training only).</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool AuxiliaryClassifiers { get; init; } = true;

    /// <summary>Dropout probability before the final classifier, or <see langword="null"/> for the variant's own.</summary>
    /// <value>
    /// The default value is <see langword="null"/>: 0.4 (<see cref="PaperDropout"/>) for the paper variant,
    /// 0.2 (<see cref="TorchVisionDropout"/>) for the torchvision variant. Must be in [0, 1).
    /// </value>
    public double? Dropout { get; init; }

    /// <summary>Dropout probability inside the auxiliary classifiers.</summary>
    /// <value>The default value is 0.7 (the paper's and torchvision's). Must be in [0, 1).</value>
    public double AuxiliaryDropout { get; init; } = 0.7;

    /// <summary>
    /// Whether the paper variant applies local response normalisation after the first max pool and after
    /// the second convolution stage, as the paper's network does. Ignored by the torchvision variant.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool LocalResponseNormalization { get; init; } = true;

    /// <summary>
    /// Whether the network runs its activations in channels-last (NHWC) memory order on the CPU. oneDNN, which
    /// libtorch uses for convolutions on the CPU, runs that layout faster: measured on a 2-core AVX2 machine,
    /// training steps are about 35% faster at 224x224 and about 25% faster at 32x32 (see BENCHMARKS.md). Inputs,
    /// outputs and weights keep their usual N x C x H x W shapes and contiguous layout; only the order of
    /// intermediate values in memory changes, so results agree with the contiguous layout to rounding.
    /// Ignored on other devices.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ChannelsLast { get; init; } = true;

    /// <summary>The dropout actually applied before the classifier.</summary>
    public double EffectiveDropout => Dropout ?? (Variant == GoogLeNetVariant.Paper ? PaperDropout : TorchVisionDropout);

    /// <summary>Scales a channel count by a width multiplier: rounded, never below 1.</summary>
    /// <param name="channels">The channel count at width 1.</param>
    /// <param name="width">The width multiplier.</param>
    /// <returns>The scaled channel count.</returns>
    public static int ScaleChannels(int channels, double width) =>
        Math.Max(1, (int)Math.Round(channels * width, MidpointRounding.AwayFromZero));

    /// <summary>Checks every option and reports all invalid ones in one exception.</summary>
    /// <exception cref="ArgumentOutOfRangeException">One or more options are out of range; the message lists each with its value.</exception>
    public void Validate()
    {
        var problems = new List<(string Name, string Message)>();
        if (NumberOfClasses < 1)
        {
            problems.Add((nameof(NumberOfClasses), $"{nameof(NumberOfClasses)} must be at least 1, got {NumberOfClasses}."));
        }

        if (InputChannels is not (1 or 3))
        {
            problems.Add((nameof(InputChannels), $"{nameof(InputChannels)} must be 1 (grey) or 3 (colour), got {InputChannels}."));
        }

        if (!Enum.IsDefined(Variant))
        {
            problems.Add((nameof(Variant), $"{nameof(Variant)} must be Paper or TorchVision, got {(int)Variant}."));
        }

        if (!(WidthMultiplier > 0 && WidthMultiplier <= 4))
        {
            problems.Add((nameof(WidthMultiplier), $"{nameof(WidthMultiplier)} must be greater than 0 and at most 4, got {Format(WidthMultiplier)}."));
        }

        if (Dropout is double dropout && !(dropout >= 0 && dropout < 1))
        {
            problems.Add((nameof(Dropout), $"{nameof(Dropout)} must be in [0, 1), got {Format(dropout)}."));
        }

        if (!(AuxiliaryDropout >= 0 && AuxiliaryDropout < 1))
        {
            problems.Add((nameof(AuxiliaryDropout), $"{nameof(AuxiliaryDropout)} must be in [0, 1), got {Format(AuxiliaryDropout)}."));
        }

        if (problems.Count > 0)
        {
            throw new ArgumentOutOfRangeException(
                problems[0].Name,
                "Invalid GoogLeNet options: " + string.Join(" ", problems.Select(p => p.Message)));
        }
    }

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);
}

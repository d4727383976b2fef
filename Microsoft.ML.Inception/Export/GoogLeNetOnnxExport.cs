using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Exports a <see cref="GoogLeNet"/> to a standard ONNX model (opset 13) for ONNX Runtime or any other ONNX
/// consumer: input normalisation, the network in inference form (no dropout, no auxiliary heads, batch norm
/// folded into the convolutions) and the softmax.
/// </summary>
/// <remarks>
/// The model's input <c>InceptionPixels</c> is N x C x H x W raw pixel values; its output <c>probabilities</c> is
/// N x classes. Two further outputs, <c>InceptionScore</c> and <c>InceptionArgmax</c> (the probabilities and a
/// one-hot of the most probable class as vectors of one image), serve ML.NET's <c>ApplyOnnxModel</c>, which scores
/// one row at a time.
/// </remarks>
public static class GoogLeNetOnnxExport
{
    /// <summary>The name of the ONNX model's input.</summary>
    public const string InputName = GoogLeNetOnnxExporter.InputName;

    /// <summary>The name of the ONNX model's batch output: N x classes softmax probabilities.</summary>
    public const string ProbabilitiesOutputName = GoogLeNetOnnxExporter.BatchProbabilitiesOutput;

    /// <summary>Writes the network as ONNX.</summary>
    /// <param name="network">The network; exported as it would run in eval mode, whatever its current mode.</param>
    /// <param name="destination">The stream to write to.</param>
    /// <param name="height">Input height in pixels, at least 32.</param>
    /// <param name="width">Input width in pixels, at least 32.</param>
    /// <param name="mean">Per-channel mean to subtract from the input, or <see langword="null"/> for none (0).</param>
    /// <param name="standardDeviation">Per-channel standard deviation to divide by, or <see langword="null"/> for none (1).</param>
    /// <param name="classNames">
    /// One name per class, or <see langword="null"/>. When given, ML.NET's <c>ApplyOnnxModel</c> reports them as the slot
    /// names of the <c>InceptionScore</c> output (stored as ML.NET's own ONNX export stores slot names).
    /// </param>
    /// <exception cref="ArgumentNullException"><paramref name="network"/> or <paramref name="destination"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">
    /// The size is below 32, the statistics do not have one positive value per channel, or the class names are not one per class.
    /// </exception>
    public static void Export(
        GoogLeNet network,
        Stream destination,
        int height,
        int width,
        IReadOnlyList<float>? mean = null,
        IReadOnlyList<float>? standardDeviation = null,
        IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(destination);
        int channels = network.Options.InputChannels;
        if (height < GoogLeNetOptions.MinimumImageSize || width < GoogLeNetOptions.MinimumImageSize)
        {
            throw new ArgumentOutOfRangeException(
                height < GoogLeNetOptions.MinimumImageSize ? nameof(height) : nameof(width),
                string.Create(CultureInfo.InvariantCulture, $"GoogLeNet needs an input of at least {GoogLeNetOptions.MinimumImageSize}x{GoogLeNetOptions.MinimumImageSize} pixels, got {height}x{width}."));
        }

        float[] m = PerChannel(mean, channels, 0f, nameof(mean));
        float[] s = PerChannel(standardDeviation, channels, 1f, nameof(standardDeviation));
        if (s.Any(v => !(v > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(standardDeviation), $"Every standard deviation must be positive, got {string.Join(", ", s.Select(v => v.ToString(CultureInfo.InvariantCulture)))}.");
        }

        if (classNames is not null && classNames.Count != network.Options.NumberOfClasses)
        {
            throw new ArgumentOutOfRangeException(
                nameof(classNames),
                string.Create(CultureInfo.InvariantCulture, $"The network has {network.Options.NumberOfClasses} classes, but {classNames.Count} class names were given."));
        }

        byte[] model = GoogLeNetOnnxExporter.Export(network, m, s, height, width, classNames);
        destination.Write(model);
    }

    private static float[] PerChannel(IReadOnlyList<float>? values, int channels, float fallback, string name)
    {
        if (values is null)
        {
            return Enumerable.Repeat(fallback, channels).ToArray();
        }

        if (values.Count != channels)
        {
            throw new ArgumentOutOfRangeException(name, string.Create(CultureInfo.InvariantCulture, $"{name} needs one value per input channel ({channels}), got {values.Count}."));
        }

        return values.ToArray();
    }
}

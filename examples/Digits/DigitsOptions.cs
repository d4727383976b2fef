using System.CommandLine;
using System.Diagnostics.CodeAnalysis;

namespace Microsoft.ML.Inception.Samples;

/// <summary>The Digits example's command line: the training settings for OpenCV's handwritten digits.</summary>
/// <param name="Epochs">Training epochs.</param>
/// <param name="Width">GoogLeNet's width multiplier.</param>
/// <param name="ImageSize">The side the 20x20 digit images are resized to.</param>
/// <param name="BatchSize">Images per optimizer step.</param>
internal sealed record DigitsOptions(int Epochs, double Width, int ImageSize, int BatchSize)
{
    /// <summary>The default of <see cref="Epochs"/>.</summary>
    public const int DefaultEpochs = 3;

    /// <summary>The default of <see cref="Width"/>.</summary>
    public const double DefaultWidth = 0.25;

    /// <summary>The default of <see cref="ImageSize"/>: the smallest the network takes.</summary>
    public const int DefaultImageSize = GoogLeNetOptions.MinimumImageSize;

    /// <summary>The default of <see cref="BatchSize"/>.</summary>
    public const int DefaultBatchSize = 64;

    /// <summary>
    /// Reads the command line. Returns false after printing the help (exit code 0) or one error line (exit code 1), and
    /// the program then stops with <paramref name="exitCode"/>.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out DigitsOptions? options, out int exitCode, TextWriter? output = null, TextWriter? error = null)
    {
        Option<int> epochs = ExampleCommandLine.Integer("--epochs", DefaultEpochs, 1, "Training epochs.");
        Option<double> width = ExampleCommandLine.PositiveNumber("--width", DefaultWidth, "GoogLeNet's width multiplier: the channels of every layer are scaled by it (1 is torchvision's network).");
        Option<int> size = ExampleCommandLine.Integer("--size", DefaultImageSize, GoogLeNetOptions.MinimumImageSize, "Image side in pixels: the 20x20 digits are resized to it.");
        Option<int> batch = ExampleCommandLine.Integer("--batch", DefaultBatchSize, 1, "Images per optimizer step.");
        var command = new RootCommand("Trains GoogLeNet on OpenCV's 5,000 handwritten digits (400 per digit; the other 100 per digit are held out) through the ML.NET pipeline, from a folder of PNG files.")
        {
            epochs, width, size, batch,
        };

        if (!ExampleCommandLine.TryParse(command, args, out ParseResult parsed, out exitCode, output, error))
        {
            options = null;
            return false;
        }

        options = new DigitsOptions(parsed.GetValue(epochs), parsed.GetValue(width), parsed.GetValue(size), parsed.GetValue(batch));
        return true;
    }
}

using System.CommandLine;
using System.Diagnostics.CodeAnalysis;

namespace Microsoft.ML.Inception.Samples.FashionMnist;

/// <summary>
/// The example's command line: the training settings (defaults from <see cref="FashionMnistSettings"/>, the ones the
/// README's figures were measured with), where the model and plots go, and which images to train on.
/// </summary>
/// <param name="Epochs">Training epochs.</param>
/// <param name="BatchSize">Images per optimizer step.</param>
/// <param name="ImageSize">The side of the square images the network sees.</param>
/// <param name="Width">GoogLeNet's width multiplier.</param>
/// <param name="LearningRate">The peak learning rate of the cosine schedule.</param>
/// <param name="OutputDirectory">The folder for model.zip and the plots, as given (relative to the current folder).</param>
/// <param name="DataDirectory">A folder-per-class tree of images to train on instead of Fashion-MNIST, as given; null for Fashion-MNIST.</param>
internal sealed record FashionMnistOptions(int Epochs, int BatchSize, int ImageSize, double Width, double LearningRate, string OutputDirectory, string? DataDirectory)
{
    /// <summary>The default of <see cref="OutputDirectory"/>.</summary>
    public const string DefaultOutputDirectory = "fashion-mnist-output";

    /// <summary>
    /// Reads the command line. Returns false after printing the help (exit code 0) or one error line (exit code 1), and
    /// the program then stops with <paramref name="exitCode"/>.
    /// </summary>
    public static bool TryParse(IReadOnlyList<string> args, [NotNullWhen(true)] out FashionMnistOptions? options, out int exitCode, TextWriter? output = null, TextWriter? error = null)
    {
        Option<int> epochs = ExampleCommandLine.Integer("--epochs", FashionMnistSettings.Epochs, 1, "Training epochs.");
        Option<double> width = ExampleCommandLine.PositiveNumber("--width", FashionMnistSettings.Width, "GoogLeNet's width multiplier: the channels of every layer are scaled by it (1 is torchvision's network).");
        Option<int> batch = ExampleCommandLine.Integer("--batch", FashionMnistSettings.BatchSize, 1, "Images per optimizer step.");
        Option<int> size = ExampleCommandLine.Integer(
            "--size",
            FashionMnistSettings.ImageSize,
            GoogLeNetOptions.MinimumImageSize,
            "Image side in pixels. Fashion-MNIST's 28x28 images are enlarged by the largest whole factor that fits (2x at 56) and padded; --data images are resized to it.");
        Option<double> learningRate = ExampleCommandLine.PositiveNumber("--lr", FashionMnistSettings.LearningRate, "Peak learning rate of SGD with momentum on the cosine schedule.");
        Option<string> outputDirectory = ExampleCommandLine.Text("--output", "DIR", "Folder for model.zip and the PNG plots (created if missing).", DefaultOutputDirectory);
        Option<string> data = ExampleCommandLine.Text(
            "--data",
            "DIR",
            "Train on a folder-per-class tree of images instead of Fashion-MNIST (20% of each class held out for testing); other files are ignored, images that cannot be decoded are skipped with a warning.");
        var command = new RootCommand("Trains GoogLeNet on Fashion-MNIST (or on your own images with --data) through the ML.NET pipeline, evaluates it on the test set, saves and reloads the model and draws the training curves.")
        {
            epochs, width, batch, size, learningRate, outputDirectory, data,
        };

        if (!ExampleCommandLine.TryParse(command, args, out ParseResult parsed, out exitCode, output, error))
        {
            options = null;
            return false;
        }

        options = new FashionMnistOptions(
            parsed.GetValue(epochs),
            parsed.GetValue(batch),
            parsed.GetValue(size),
            parsed.GetValue(width),
            parsed.GetValue(learningRate),
            parsed.GetRequiredValue(outputDirectory),
            parsed.GetValue(data));
        return true;
    }
}

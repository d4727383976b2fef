using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Samples.Comparison;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Accuracy against wall time on Fashion-MNIST: the main example's Inception settings, with the test set as
/// <c>ValidationSet</c> so that every epoch reports test accuracy at a known time since Fit started; and, in the same
/// run on the same images, LightGbm on raw pixels (the examples/Comparison route), the fast classic alternative.
/// </summary>
internal static class TimeToAccuracy
{
    /// <summary>Accuracy thresholds the report gives the time to reach.</summary>
    public static readonly double[] Thresholds = [0.80, 0.85, 0.88, 0.90, 0.92];

    public sealed record Point(int Epoch, TimeSpan SinceFitStart, double TestAccuracy, double TrainingLoss);

    public sealed record Result(
        int TrainImages, int TestImages, int Epochs, IReadOnlyList<Point> Inception, TimeSpan InceptionFit, double InceptionTestAccuracy,
        TimeSpan LightGbmFit, double LightGbmTestAccuracy);

    public static Result Measure(MLContext ml, FashionMnistIdx.Split train, FashionMnistIdx.Split test, int epochs)
    {
        int size = FashionMnistSettings.ImageSize;
        IDataView trainView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, size), PixelRow.Schema(size));
        IDataView testView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, size), PixelRow.Schema(size));
        IDataView validation = LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Fit(testView).Transform(testView);

        var points = new List<Point>();
        var watch = new Stopwatch();
        InceptionOptions options = FashionMnistSettings.Options(
            nameof(PixelRow.Image),
            epochs: epochs,
            epochCompleted: m =>
            {
                points.Add(new Point(m.Epoch, watch.Elapsed, m.ValidationAccuracy ?? double.NaN, m.TrainingLoss));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  Inception epoch {m.Epoch}: {watch.Elapsed.TotalSeconds:F0} s, test accuracy {m.ValidationAccuracy:P2}"));
            });
        options.ValidationSet = validation;
        IEstimator<ITransformer> inception = LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Append(ml.Transforms.Inception(options));
        watch.Start();
        ITransformer model = inception.Fit(trainView);
        TimeSpan inceptionFit = watch.Elapsed;
        double inceptionAccuracy = ml.MulticlassClassification.Evaluate(model.Transform(testView), LabelKeys.LabelColumn).MicroAccuracy;

        Route lightGbm = LightGbmRoute.Create(ml, train, test);
        var lightGbmWatch = Stopwatch.StartNew();
        ITransformer lightGbmModel = lightGbm.CreateEstimator().Fit(lightGbm.Train);
        TimeSpan lightGbmFit = lightGbmWatch.Elapsed;
        double lightGbmAccuracy = ml.MulticlassClassification.Evaluate(lightGbmModel.Transform(lightGbm.Test), LabelKeys.LabelColumn).MicroAccuracy;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  LightGbm: {lightGbmFit.TotalSeconds:F0} s, test accuracy {lightGbmAccuracy:P2}"));
        return new Result(train.Count, test.Count, epochs, points, inceptionFit, inceptionAccuracy, lightGbmFit, lightGbmAccuracy);
    }

    public static string Report(Result r)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("| route | epoch | time since Fit started | test accuracy | training loss |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (Point p in r.Inception)
        {
            text.AppendLine(c, $"| Inception (example settings) | {p.Epoch} | {p.SinceFitStart.TotalSeconds:F0} s | {p.TestAccuracy:P2} | {p.TrainingLoss:F4} |");
        }

        text.AppendLine(c, $"| Inception, the fitted model scored through ML.NET (Evaluate) | {r.Epochs} | {r.InceptionFit.TotalSeconds:F0} s (whole Fit) | {r.InceptionTestAccuracy:P2} | |");
        text.AppendLine(c, $"| LightGbm on raw pixels (default settings) | | {r.LightGbmFit.TotalSeconds:F0} s (whole Fit) | {r.LightGbmTestAccuracy:P2} | |");
        text.AppendLine();
        text.AppendLine("| test accuracy reached | Inception: first epoch at or above it, time since Fit started |");
        text.AppendLine("|---|---|");
        foreach (double threshold in Thresholds)
        {
            Point? first = r.Inception.FirstOrDefault(p => p.TestAccuracy >= threshold);
            string when = first is null ? $"not reached in {r.Epochs} epochs" : $"epoch {first.Epoch}, {first.SinceFitStart.TotalSeconds:F0} s ({first.SinceFitStart.TotalMinutes:F1} min)";
            text.AppendLine(c, $"| {threshold:P0} | {when} |");
        }

        return text.ToString();
    }
}

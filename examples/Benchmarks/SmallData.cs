using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Training on a small data set as a new user does, with the README's settings: 15 Fashion-MNIST images per class
/// (150), 5 epochs at the default batch size of 64, which is 15 optimiser steps; with batch-norm statistics recomputed
/// after the last epoch (<see cref="InceptionOptions.RecomputeBatchNormStatistics"/>) and without (the library before),
/// and with the settings the short-training warning suggests. Reports the training accuracy of the last epoch (what the
/// log shows), the fitted model's accuracy on its own training images and on test images. Also measures what the
/// recomputation costs on the main example's network.
/// </summary>
internal static partial class SmallData
{
    public sealed record Case(string Name, int Epochs, int BatchSize, bool Recompute);

    public sealed record Run(Case Case, int Seed, int Steps, double LastEpochTrainingAccuracy, double OwnImagesAccuracy, double TestAccuracy, bool Warned);

    /// <summary>The recomputation's cost on the main example's network: one epoch and the recomputation over the same images.</summary>
    public sealed record Cost(int Images, double EpochSeconds, double RecomputeSeconds);

    public sealed record Result(int TrainImages, int TestImages, int Size, IReadOnlyList<Run> Runs, Cost Cost);

    public const int PerClass = 15;
    public const int Size = 64;

    public static Result Measure(FashionMnistIdx.Split train, FashionMnistIdx.Split test, FashionMnistIdx.Split costImages, bool quick)
    {
        List<int> picked = Enumerable.Range(0, train.Count).GroupBy(i => train.Labels[i]).SelectMany(g => g.Take(PerClass)).Order().ToList();
        var small = new FashionMnistIdx.Split(
            picked.SelectMany(i => train.Image(i).ToArray()).ToArray(), picked.Select(i => train.Labels[i]).ToArray(), train.Height, train.Width);
        Case[] cases =
        [
            new("README settings (5 epochs, batch 64), statistics not recomputed: the library before", 5, 64, false),
            new("README settings (5 epochs, batch 64), statistics recomputed (the default now)", 5, 64, true),
            new("the warning's suggestion (30 epochs, batch 16), statistics not recomputed", 30, 16, false),
            new("the warning's suggestion (30 epochs, batch 16), statistics recomputed (the default now)", 30, 16, true),
        ];
        var runs = new List<Run>();
        foreach (Case c in quick ? cases.Take(2) : cases)
        {
            // Three seeds for the README's settings, whose figures vary most; one for the longer runs.
            int[] seeds = quick || c.Epochs > 5 ? [1] : [1, 2, 3];
            foreach (int seed in seeds)
            {
                Run r = Fit(c, seed, small, test);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {c.Name}, seed {seed}: {r.Steps} steps, last epoch's training accuracy {r.LastEpochTrainingAccuracy:P1}, own training images {r.OwnImagesAccuracy:P1}, test {r.TestAccuracy:P1}"));
                runs.Add(r);
            }
        }

        Cost cost = MeasureCost(costImages);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  main example's network, {cost.Images} images: epoch {cost.EpochSeconds:F1} s, recomputation {cost.RecomputeSeconds:F1} s"));
        return new Result(small.Count, test.Count, Size, runs, cost);
    }

    private static Run Fit(Case c, int seed, FashionMnistIdx.Split train, FashionMnistIdx.Split test)
    {
        var ml = new MLContext(seed: seed);
        bool warned = false;
        ml.Log += (_, e) => warned |= e.Kind == ChannelMessageKind.Warning && e.Message.Contains("optimizer steps", StringComparison.Ordinal);
        IDataView trainView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, Size), PixelRow.Schema(Size));
        IDataView testView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, Size), PixelRow.Schema(Size));
        var history = new List<InceptionEpochMetrics>();
        var options = new InceptionOptions
        {
            ImageColumnName = nameof(PixelRow.Image),
            Epochs = c.Epochs,
            BatchSize = c.BatchSize,
            WidthMultiplier = 0.5,
            RecomputeBatchNormStatistics = c.Recompute,
            EpochCompleted = history.Add,
        };
        ITransformer model = LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Append(ml.Transforms.Inception(options)).Fit(trainView);
        double own = ml.MulticlassClassification.Evaluate(model.Transform(trainView), LabelKeys.LabelColumn).MicroAccuracy;
        double testAccuracy = ml.MulticlassClassification.Evaluate(model.Transform(testView), LabelKeys.LabelColumn).MicroAccuracy;
        int steps = ((train.Count + c.BatchSize - 1) / c.BatchSize) * c.Epochs;
        return new Run(c, seed, steps, history[^1].TrainingAccuracy, own, testAccuracy, warned);
    }

    /// <summary>One epoch with the main example's settings, and the recomputation that follows it, from the log.</summary>
    private static Cost MeasureCost(FashionMnistIdx.Split images)
    {
        var ml = new MLContext(seed: 1);
        double? recompute = null;
        ml.Log += (_, e) =>
        {
            if (RecomputedIn().Match(e.Message) is { Success: true } m)
            {
                recompute = double.Parse(m.Groups["seconds"].Value, CultureInfo.InvariantCulture);
            }
        };
        int size = FashionMnistSettings.ImageSize;
        IDataView view = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(images, size), PixelRow.Schema(size));
        var history = new List<InceptionEpochMetrics>();
        InceptionOptions options = FashionMnistSettings.Options(nameof(PixelRow.Image), epochs: 1, epochCompleted: history.Add);
        LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Append(ml.Transforms.Inception(options)).Fit(view);

        // The epoch's duration includes the recomputation, which ran before its validation.
        double epoch = history[0].Elapsed.TotalSeconds - (recompute ?? 0);
        return new Cost(images.Count, epoch, recompute ?? double.NaN);
    }

    public static string Report(Result r)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"{r.TrainImages} training images (the first {PerClass} of each class of Fashion-MNIST's training split) and {r.TestImages:N0} test images, 28x28 enlarged 2x and centred in {r.Size}x{r.Size}, the README's `new InceptionOptions {{ Epochs = 5, WidthMultiplier = 0.5 }}` (batch 64, random crops and flips, auxiliary classifiers: the defaults) and the settings the short-training warning suggests for this data; one row per seed (`new MLContext(seed)`; three for the README's settings, one for the suggestion's, which takes six times as long). *Last epoch's training accuracy* is what the log and `EpochCompleted` report (training mode, augmented batches, while the weights change); *own training images* scores the same {r.TrainImages} images with the fitted model through ML.NET; *test* scores the test images.").AppendLine();
        text.AppendLine("| settings | seed | optimizer steps | warned | last epoch's training accuracy | model on its own training images | test accuracy |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (Run run in r.Runs)
        {
            text.AppendLine(c, $"| {run.Case.Name} | {run.Seed} | {run.Steps} | {(run.Warned ? "yes" : "no")} | {run.LastEpochTrainingAccuracy:P1} | {run.OwnImagesAccuracy:P1} | {run.TestAccuracy:P1} |");
        }

        text.AppendLine();
        text.AppendLine("| settings | mean last epoch's training accuracy | mean on its own training images | mean test accuracy |");
        text.AppendLine("|---|---|---|---|");
        foreach (IGrouping<Case, Run> g in r.Runs.GroupBy(run => run.Case))
        {
            text.AppendLine(c, $"| {g.Key.Name} | {g.Average(x => x.LastEpochTrainingAccuracy):P1} | {g.Average(x => x.OwnImagesAccuracy):P1} | {g.Average(x => x.TestAccuracy):P1} |");
        }

        Cost cost = r.Cost;
        text.AppendLine().AppendLine(c,
            $"What the recomputation costs on the main example's network ({FashionMnistSettings.Describe(1)}) with {cost.Images:N0} training images: the epoch took {cost.EpochSeconds:F1} s and the recomputation over the same {Math.Min(cost.Images, 10_000):N0} images (at most 10,000) {cost.RecomputeSeconds:F1} s, {cost.RecomputeSeconds / cost.EpochSeconds:P0} of an epoch; the main example's 7 epochs on 60,000 images take about {7 * 60_000 / (double)cost.Images * cost.EpochSeconds / 60:F1} minutes at that rate, so the recomputation adds {cost.RecomputeSeconds / (7 * 60_000 / (double)cost.Images * cost.EpochSeconds):P1}.");
        return text.ToString();
    }

    [GeneratedRegex(@"in (?<seconds>[0-9.]+) s \(RecomputeBatchNormStatistics\)")]
    private static partial Regex RecomputedIn();
}

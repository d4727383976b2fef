using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// Transfer learning on Fashion-MNIST: a GoogLeNet with the main example's settings trained from scratch on classes 0-4
/// (T-shirt, trouser, pullover, dress, coat), its weights saved with <see cref="InceptionTransformer.SaveWeights"/> as
/// safetensors, then trained on classes 5-9 (sandal, shirt, sneaker, bag, ankle boot), which it has never seen: from
/// scratch, head-only on the frozen backbone, and fully fine-tuned with the backbone at 1 and 0.1 times the learning
/// rate; with many and with few training images. Accuracy is ML.NET's Evaluate on the held-out test images of 5-9.
/// </summary>
internal static class TransferLearning
{
    /// <summary>The sizes: images and epochs of the source and of both data sizes, and the few-image batch size.</summary>
    public sealed record Case(
        int SourceImages,
        int SourceEpochs,
        int ManyImages,
        int ManyEpochs,
        int ManyHeadOnlyEpochs,
        int FewPerClass,
        int FewEpochs,
        int FewBatchSize);

    /// <summary>One training run on 5-9.</summary>
    public sealed record Run(string Mode, double Accuracy, TimeSpan Fit, IReadOnlyList<TimeSpan> Epochs);

    /// <summary>One data size: its training images, epochs and batch size, and the four runs.</summary>
    public sealed record Size(string Name, int Images, int Epochs, int HeadOnlyEpochs, int BatchSize, IReadOnlyList<Run> Runs);

    public sealed record Result(Case Case, int SourceImages, TimeSpan SourceFit, long WeightFileBytes, int TestImages, int TestImagesRead, IReadOnlyList<Size> Sizes);

    private const int FirstNewClass = 5;

    public static Result Measure(FashionMnistIdx.Split train, FashionMnistIdx.Split test, Case c, string folder)
    {
        int size = FashionMnistSettings.ImageSize;
        IReadOnlyList<string> oldClasses = [.. FashionMnistIdx.ClassNames.Take(FirstNewClass)];
        IReadOnlyList<string> newClasses = [.. FashionMnistIdx.ClassNames.Skip(FirstNewClass)];
        FashionMnistIdx.Split source = Select(train, label => label < FirstNewClass, c.SourceImages, perClass: int.MaxValue);
        FashionMnistIdx.Split many = Select(train, label => label >= FirstNewClass, c.ManyImages, perClass: int.MaxValue);
        FashionMnistIdx.Split few = Select(train, label => label >= FirstNewClass, int.MaxValue, c.FewPerClass);
        FashionMnistIdx.Split newTest = Select(test, label => label >= FirstNewClass, int.MaxValue, perClass: int.MaxValue);

        // The source network: classes 0-4, from scratch, the main example's settings; its weights as safetensors.
        Directory.CreateDirectory(folder);
        string weights = Path.Combine(folder, "fashion-0-4.safetensors");
        var ml = new MLContext(seed: 1);
        IDataView sourceView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(source, size), PixelRow.Schema(size));
        ITransformer sourceLabels = LabelKeys.MapLabel(ml, oldClasses).Fit(sourceView);
        var watch = Stopwatch.StartNew();
        InceptionTransformer sourceModel = ml.Transforms.Inception(FashionMnistSettings.Options(nameof(PixelRow.Image), epochs: c.SourceEpochs))
            .Fit(sourceLabels.Transform(sourceView));
        TimeSpan sourceFit = watch.Elapsed;
        sourceModel.SaveWeights(weights);
        long weightBytes = new FileInfo(weights).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  source: classes 0-4, {source.Count} images, {c.SourceEpochs} epoch(s): Fit {sourceFit.TotalSeconds:F1} s; weights {weightBytes / 1024.0:F0} KiB in {weights}"));

        IDataView testView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(newTest, size), PixelRow.Schema(size));
        var sizes = new List<Size>
        {
            Measure(ml, "many", many, newClasses, testView, c.ManyEpochs, c.ManyHeadOnlyEpochs, FashionMnistSettings.BatchSize, weights),
            Measure(ml, "few", few, newClasses, testView, c.FewEpochs, c.FewEpochs, c.FewBatchSize, weights),
        };
        return new Result(c, source.Count, sourceFit, weightBytes, newTest.Count, test.Count, sizes);
    }

    public static string Report(Result r)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Weights trained on five classes, fine-tuned on five classes they never saw. The source network: GoogLeNet with the main example's settings (`examples/Shared/FashionMnistSettings.cs`: {FashionMnistSettings.Describe(epochs: null)}), trained from scratch on the first {r.SourceImages:N0} Fashion-MNIST training images of classes 0-4 (T-shirt/top, trouser, pullover, dress, coat) for {Epochs(r.Case.SourceEpochs)} (Fit {r.SourceFit.TotalSeconds:F1} s), its weights written with `InceptionTransformer.SaveWeights` to a `.safetensors` file in a temporary folder ({r.WeightFileBytes / 1024.0:F0} KiB). Then, with the same settings, training on classes 5-9 (sandal, shirt, sneaker, bag, ankle boot): **from scratch**; **`HeadOnly`** (`PretrainedWeights` = that file: the frozen backbone's pooled features are cached in the first epoch and `fc` alone trains on them; crops and flips do not apply to cached features); **`Full`** with `BackboneLearningRateFactor` 1 and 0.1 (everything trains from the file's weights, the backbone at the learning rate times the factor). *Many* images are the first {r.Sizes[0].Images:N0} training images of classes 5-9; *few* are the first {r.Case.FewPerClass} of each of those classes ({r.Sizes[1].Images:N0} images). Test accuracy is ML.NET's `Evaluate` on {(r.TestImagesRead < 10_000 ? $"the {r.TestImages:N0} held-out test images of classes 5-9 among the first {r.TestImagesRead:N0} of the test split" : $"all {r.TestImages:N0} held-out test images of classes 5-9")}; the time is `Fit`'s wall time (reading the images included, scoring the test images not).").AppendLine();
        text.AppendLine("| new classes, training images | from scratch | `HeadOnly` | `Full`, factor 1 | `Full`, factor 0.1 |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (Size s in r.Sizes)
        {
            string batch = s.BatchSize == FashionMnistSettings.BatchSize ? string.Empty : $", batch {s.BatchSize}";
            string epochs = s.HeadOnlyEpochs == s.Epochs ? $"{Epochs(s.Epochs)}{batch}" : $"{Epochs(s.Epochs)}; head-only {s.HeadOnlyEpochs}{batch}";
            string best = Percent(s.Runs.Max(x => x.Accuracy));
            IEnumerable<string> cells = s.Runs.Select(x =>
            {
                string accuracy = Percent(x.Accuracy);
                return string.Create(c, $"{(accuracy == best ? $"**{accuracy}**" : accuracy)}, {x.Fit.TotalSeconds:F1} s");
            });
            text.AppendLine(c, $"| Fashion-MNIST 5-9, {s.Images:N0} ({epochs}) | {string.Join(" | ", cells)} |");
        }

        text.AppendLine();
        text.AppendLine("Epoch times from `EpochCompleted` (wall time of each epoch): a head-only epoch after the first trains one linear layer on the cached features, the first runs the frozen backbone over every training image to fill the cache.").AppendLine();
        text.AppendLine("| training images | `HeadOnly` first epoch | `HeadOnly` later epochs (median) | from scratch, epoch (median) | `Full` factor 1, epoch (median) |");
        text.AppendLine("|---|---:|---:|---:|---:|");
        foreach (Size s in r.Sizes)
        {
            Run headOnly = s.Runs.Single(x => x.Mode == "HeadOnly");
            string later = headOnly.Epochs.Count > 1 ? Seconds(Median(headOnly.Epochs.Skip(1))) : "(one epoch)";
            text.AppendLine(c, $"| {s.Images:N0} | {Seconds(headOnly.Epochs[0])} | {later} | {Seconds(Median(s.Runs[0].Epochs))} | {Seconds(Median(s.Runs[2].Epochs))} |");
        }

        return text.ToString();
    }

    private static Size Measure(MLContext ml, string name, FashionMnistIdx.Split train, IReadOnlyList<string> classes, IDataView test, int epochs, int headOnlyEpochs, int batchSize, string weights)
    {
        int size = FashionMnistSettings.ImageSize;
        IDataView trainView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, size), PixelRow.Schema(size));
        ITransformer labels = LabelKeys.MapLabel(ml, classes).Fit(trainView);
        IDataView labelled = labels.Transform(trainView);
        IDataView labelledTest = labels.Transform(test);
        (string Mode, InceptionFineTuning FineTuning, double Factor)[] modes =
        [
            ("from scratch", InceptionFineTuning.FromScratch, 1.0),
            ("HeadOnly", InceptionFineTuning.HeadOnly, 1.0),
            ("Full, factor 1", InceptionFineTuning.Full, 1.0),
            ("Full, factor 0.1", InceptionFineTuning.Full, 0.1),
        ];
        var runs = new List<Run>();
        foreach ((string mode, InceptionFineTuning fineTuning, double factor) in modes)
        {
            var epochTimes = new List<TimeSpan>();
            InceptionOptions options = FashionMnistSettings.Options(
                nameof(PixelRow.Image),
                epochs: fineTuning == InceptionFineTuning.HeadOnly ? headOnlyEpochs : epochs,
                batchSize: batchSize,
                epochCompleted: m => epochTimes.Add(m.Elapsed));
            options.FineTuning = fineTuning;
            if (fineTuning != InceptionFineTuning.FromScratch)
            {
                options.PretrainedWeights = weights;
            }

            if (fineTuning == InceptionFineTuning.Full)
            {
                options.BackboneLearningRateFactor = factor;
            }

            var watch = Stopwatch.StartNew();
            InceptionTransformer model = ml.Transforms.Inception(options).Fit(labelled);
            TimeSpan fit = watch.Elapsed;
            double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(labelledTest), LabelKeys.LabelColumn).MicroAccuracy;
            runs.Add(new Run(mode, accuracy, fit, epochTimes));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {name} ({train.Count} images), {mode}: test accuracy {accuracy:P2}, Fit {fit.TotalSeconds:F1} s, epochs {string.Join(", ", epochTimes.Select(e => e.TotalSeconds.ToString("F2", CultureInfo.InvariantCulture)))} s"));
        }

        return new Size(name, train.Count, epochs, headOnlyEpochs, batchSize, runs);
    }

    /// <summary>The first <paramref name="limit"/> images whose label passes <paramref name="keep"/>, at most <paramref name="perClass"/> of each class.</summary>
    private static FashionMnistIdx.Split Select(FashionMnistIdx.Split split, Func<byte, bool> keep, int limit, int perClass)
    {
        var counts = new int[FashionMnistIdx.ClassNames.Count];
        var chosen = new List<int>();
        for (int i = 0; i < split.Count && chosen.Count < limit; i++)
        {
            byte label = split.Labels[i];
            if (keep(label) && counts[label] < perClass)
            {
                counts[label]++;
                chosen.Add(i);
            }
        }

        int pixels = split.Height * split.Width;
        byte[] image = new byte[chosen.Count * pixels];
        byte[] labels = new byte[chosen.Count];
        for (int j = 0; j < chosen.Count; j++)
        {
            split.Image(chosen[j]).CopyTo(image.AsSpan(j * pixels, pixels));
            labels[j] = split.Labels[chosen[j]];
        }

        return new FashionMnistIdx.Split(image, labels, split.Height, split.Width);
    }

    private static TimeSpan Median(IEnumerable<TimeSpan> values)
    {
        TimeSpan[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? TimeSpan.Zero : sorted[sorted.Length / 2];
    }

    private static string Seconds(TimeSpan t) =>
        t.TotalSeconds.ToString(t.TotalSeconds < 0.1 ? "F3" : t.TotalSeconds < 1 ? "F2" : "F1", CultureInfo.InvariantCulture) + " s";

    private static string Percent(double share) => (share * 100).ToString("F1", CultureInfo.InvariantCulture) + "%";

    private static string Epochs(int epochs) => epochs == 1 ? "1 epoch" : $"{epochs} epochs";
}

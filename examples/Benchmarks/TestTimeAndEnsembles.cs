using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>
/// What test-time augmentation and ensembles buy on Fashion-MNIST, and what they cost: three models trained with the
/// main example's settings and seeds 1, 2 and 3; the first scored with each test-time scheme, and the three combined.
/// Accuracy is ML.NET's Evaluate on held-out test images; time is scoring them through the fitted ML.NET chain.
/// </summary>
internal static class TestTimeAndEnsembles
{
    public sealed record Row(string Model, InceptionTestTimeAugmentation Views, int ViewCount, int TestImages, double Accuracy, TimeSpan Scoring);

    public sealed record Result(int TrainImages, int Epochs, IReadOnlyList<TimeSpan> MemberFits, IReadOnlyList<Row> Rows);

    public static Result Measure(FashionMnistIdx.Split train, FashionMnistIdx.Split test, int epochs, int crops144Images)
    {
        var ml = new MLContext(seed: 1);
        int size = FashionMnistSettings.ImageSize;
        IDataView trainView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(train, size), PixelRow.Schema(size));
        IDataView testView = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(test, size), PixelRow.Schema(size));
        IDataView firstTest = ml.Data.TakeRows(testView, crops144Images);
        ITransformer labels = LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames).Fit(trainView);

        var members = new List<InceptionTransformer>();
        var fits = new List<TimeSpan>();
        for (int seed = 1; seed <= 3; seed++)
        {
            InceptionOptions options = FashionMnistSettings.Options(nameof(PixelRow.Image), epochs: epochs);
            options.Seed = seed;
            var watch = Stopwatch.StartNew();
            members.Add(ml.Transforms.Inception(options).Fit(labels.Transform(trainView)));
            fits.Add(watch.Elapsed);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  model {seed}: Fit {watch.Elapsed.TotalSeconds:F0} s"));
        }

        var rows = new List<Row>();
        void Score(string name, ITransformer model, InceptionTestTimeAugmentation views, int viewCount, IDataView data)
        {
            IDataView scored = model.Transform(labels.Transform(data));
            var watch = Stopwatch.StartNew();
            double accuracy = ml.MulticlassClassification.Evaluate(scored, LabelKeys.LabelColumn).MicroAccuracy;
            TimeSpan elapsed = watch.Elapsed;
            int count = ReferenceEquals(data, firstTest) ? Math.Min(crops144Images, test.Count) : test.Count;
            rows.Add(new Row(name, views, viewCount, count, accuracy, elapsed));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}, {views}: {accuracy:P2} on {count} images, {elapsed.TotalSeconds:F1} s"));
        }

        InceptionTestTimeAugmentation[] schemes = [InceptionTestTimeAugmentation.None, InceptionTestTimeAugmentation.HorizontalFlip, InceptionTestTimeAugmentation.TenCrop];
        foreach (InceptionTestTimeAugmentation views in schemes)
        {
            InceptionTransformer model = members[0].WithTestTimeAugmentation(views);
            Score("model 1", model, views, model.TestTimeViewCount, testView);
        }

        foreach (InceptionTestTimeAugmentation views in schemes.Append(InceptionTestTimeAugmentation.Crops144))
        {
            InceptionTransformer model = members[0].WithTestTimeAugmentation(views);
            Score("model 1", model, views, model.TestTimeViewCount, firstTest);
        }

        for (int i = 1; i < members.Count; i++)
        {
            Score($"model {i + 1}", members[i], InceptionTestTimeAugmentation.None, 1, testView);
        }

        Score("ensemble of models 1-3", InceptionEnsembleTransformer.Combine(members), InceptionTestTimeAugmentation.None, 3, testView);
        Score("ensemble of models 1-3", InceptionEnsembleTransformer.Combine(members, InceptionTestTimeAugmentation.HorizontalFlip), InceptionTestTimeAugmentation.HorizontalFlip, 6, testView);
        return new Result(train.Count, epochs, fits, rows);
    }

    public static string Report(Result r)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Three models trained on {r.TrainImages:N0} Fashion-MNIST training images with the main example's settings ({FashionMnistSettings.Describe(r.Epochs)}), seeds 1, 2 and 3 (Fit {string.Join(", ", r.MemberFits.Select(f => f.TotalSeconds.ToString("F0", c) + " s"))}). Scoring is `Evaluate(model.Transform(test))` through the fitted ML.NET chain (ApplyOnnxModel, one image per ONNX Runtime call, the views batched inside the graph); its time includes reading the test images from memory. The 144-crop scheme scores a square image on its 48 distinct crops (the paper's three squares of a square image coincide), so it is run on the first test images only, next to the other schemes on the same images.").AppendLine();
        text.AppendLine("| model | test-time views | network passes per image | test images | test accuracy | scoring time | relative to model 1 with one view |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (IGrouping<int, Row> group in r.Rows.GroupBy(x => x.TestImages))
        {
            Row? baseline = group.FirstOrDefault(x => x.Views == InceptionTestTimeAugmentation.None && x.Model == "model 1");
            foreach (Row x in group)
            {
                string ratio = baseline is null ? string.Empty : (x.Scoring.TotalSeconds / baseline.Scoring.TotalSeconds).ToString("F1", c) + "x";
                text.AppendLine(c, $"| {x.Model} | {x.Views} | {x.ViewCount} | {x.TestImages:N0} | {x.Accuracy:P2} | {x.Scoring.TotalSeconds:F1} s | {ratio} |");
            }
        }

        return text.ToString();
    }
}

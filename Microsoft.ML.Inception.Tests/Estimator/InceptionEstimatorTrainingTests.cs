using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>One model trained once on 1,500 real digit images, then checked as an ML.NET user would use it.</summary>
[TestClass]
public sealed class InceptionEstimatorTrainingTests
{
    private static readonly MLContext Ml = new(seed: 1);
    private static readonly List<InceptionEpochMetrics> Reported = [];
    private static readonly List<string> Log = [];
    private static TransformerChain<InceptionTransformer> model = null!;
    private static IDataView preparedTest = null!;

    [ClassInitialize]
    public static void TrainOnce(TestContext context)
    {
        Ml.Log += (_, e) =>
        {
            lock (Log)
            {
                Log.Add(e.Message);
            }
        };
        InceptionOptions options = DigitsPipeline.FastOptions();
        options.EpochCompleted = Reported.Add;
        preparedTest = DigitsPipeline.Preprocessing(Ml).Fit(DigitsPipeline.Train(Ml)).Transform(DigitsPipeline.Test(Ml));
        options.ValidationSet = preparedTest;
        model = DigitsPipeline.Preprocessing(Ml).Append(Ml.Transforms.Inception(options)).Fit(DigitsPipeline.Train(Ml));
    }

    private static InceptionTransformer Inception => model.LastTransformer;

    [TestMethod]
    public void Evaluate_HeldOutDigits_AccuracyFarAboveChance()
    {
        MulticlassClassificationMetrics metrics = Ml.MulticlassClassification.Evaluate(model.Transform(DigitsPipeline.Test(Ml)));

        // Chance is 10%; these settings reach about 90%.
        Assert.IsGreaterThan(0.7, metrics.MicroAccuracy, $"Held-out accuracy {metrics.MicroAccuracy:P1}.");
        Assert.IsLessThan(1.0, metrics.LogLoss);
    }

    [TestMethod]
    public void Evaluate_HeldOutDigits_MatchesTorchSharpValidationOfTheSameWeights()
    {
        MulticlassClassificationMetrics metrics = Ml.MulticlassClassification.Evaluate(model.Transform(DigitsPipeline.Test(Ml)));
        double validation = Inception.History[^1].ValidationAccuracy!.Value;

        // Scoring runs the ONNX export through ML.NET; validation ran the TorchSharp network in eval mode.
        Assert.AreEqual(validation, metrics.MicroAccuracy, 1.0 / DigitImages.Test.Count);
    }

    [TestMethod]
    public void History_OneEntryPerEpoch_ReportedToCallbackAndLog()
    {
        Assert.HasCount(4, Inception.History);
        CollectionAssert.AreEqual(Inception.History.ToList(), Reported);
        Assert.IsLessThan(Inception.History[0].TrainingLoss, Inception.History[^1].TrainingLoss, "The training loss should fall.");
        Assert.IsTrue(Inception.History.All(h => h.ImagesPerSecond > 0 && h.LearningRate > 0));
        Assert.AreEqual(4, Inception.BestEpoch);
        lock (Log)
        {
            Assert.IsTrue(Log.Any(m => m.Contains("Epoch 4/4: loss", StringComparison.Ordinal)), "Epoch metrics should reach MLContext.Log.");
        }
    }

    [TestMethod]
    public void Transform_AddsProbabilitiesAndPredictedLabelOfTheLabelKeyType()
    {
        IDataView scored = model.Transform(DigitsPipeline.Test(Ml));
        DataViewSchema.Column score = scored.Schema["Score"];
        DataViewSchema.Column predicted = scored.Schema["PredictedLabel"];
        DataViewSchema.Column label = scored.Schema["Label"];
        VBuffer<ReadOnlyMemory<char>> labelNames = default;
        VBuffer<ReadOnlyMemory<char>> predictedNames = default;
        label.GetKeyValues(ref labelNames);
        predicted.GetKeyValues(ref predictedNames);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 10), score.Type);
        Assert.AreEqual(label.Type, predicted.Type);
        CollectionAssert.AreEqual(labelNames.DenseValues().Select(n => n.ToString()).ToList(), predictedNames.DenseValues().Select(n => n.ToString()).ToList());
        Assert.IsTrue(score.HasSlotNames(), "Score should name its slots, as ML.NET trainers' scores do.");
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        score.GetSlotNames(ref slotNames);
        CollectionAssert.AreEqual(labelNames.DenseValues().Select(n => n.ToString()).ToList(), slotNames.DenseValues().Select(n => n.ToString()).ToList());
        foreach (float[] probabilities in scored.GetColumn<float[]>("Score").Take(20))
        {
            Assert.AreEqual(1.0, probabilities.Sum(), 1e-4);
            Assert.IsTrue(probabilities.All(p => p >= 0));
        }
    }

    [TestMethod]
    public void PredictedLabel_IsTheMostProbableClass()
    {
        IDataView scored = model.Transform(DigitsPipeline.Test(Ml));
        uint[] predicted = scored.GetColumn<uint>("PredictedLabel").ToArray();
        float[][] scores = scored.GetColumn<float[]>("Score").ToArray();

        for (int i = 0; i < predicted.Length; i++)
        {
            Assert.AreEqual(Array.IndexOf(scores[i], scores[i].Max()) + 1, (int)predicted[i]);
        }
    }

    [TestMethod]
    public void PredictionEngine_SingleImages_ReturnClassNames()
    {
        ITransformer withNames = model.Append(Ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(DigitsPipeline.Test(Ml))));
        using PredictionEngine<ImageRow, DigitPrediction> engine = Ml.Model.CreatePredictionEngine<ImageRow, DigitPrediction>(withNames);

        int right = DigitImages.Test.Count(row => engine.Predict(row).PredictedLabel == row.Label);

        Assert.IsGreaterThan(0.7 * DigitImages.Test.Count, right);
        Assert.HasCount(10, engine.Predict(DigitImages.Test[0]).Score);
    }

    [TestMethod]
    public void Transform_DataWithoutLabel_Scores()
    {
        var unlabeled = Ml.Data.LoadFromEnumerable(DigitImages.Test.Select(r => new PathOnly { ImagePath = r.ImagePath }));
        IDataView images = Ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(PathOnly.ImagePath))
            .Append(Ml.Transforms.ResizeImages("Image", DigitsPipeline.Size, DigitsPipeline.Size))
            .Fit(unlabeled).Transform(unlabeled);

        IDataView scored = Inception.Transform(images);

        Assert.HasCount(DigitImages.Test.Count, scored.GetColumn<uint>("PredictedLabel").ToList());
    }

    [TestMethod]
    public void Model_GreyImages_TrainedAsOneChannelWithDigitClassNames()
    {
        Assert.AreEqual(1, Inception.Channels);
        Assert.AreEqual(32, Inception.ImageWidth);
        CollectionAssert.AreEqual(Enumerable.Range(0, 10).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList(), Inception.ClassNames.ToList());
        Assert.HasCount(1, Inception.NormalizationMean);
        Assert.IsTrue(Inception.NormalizationStandardDeviation[0] > 1, "Statistics are of 0-255 pixel values.");
    }

    [TestMethod]
    public void Transform_ColourImagesOnAGreyModel_ScoredAsTheirGreyVersions()
    {
        string folder = Directory.CreateTempSubdirectory("inception-grey-model-").FullName;
        try
        {
            List<ImageRow> colour = ColourDigits.Write(DigitImages.Test.Take(30).ToList(), DigitImages.Folder, Path.Combine(folder, "colour"))
                .Select(r => new ImageRow { ImagePath = Path.Combine(folder, "colour", r.ImagePath), Label = r.Label })
                .ToList();
            List<ImageRow> grey = SaveGreyVersions(colour, Path.Combine(folder, "grey"));

            float[][] colourScores = model.Transform(Ml.Data.LoadFromEnumerable(colour)).GetColumn<float[]>("Score").ToArray();
            float[][] greyScores = model.Transform(Ml.Data.LoadFromEnumerable(grey)).GetColumn<float[]>("Score").ToArray();

            // Colour digits have red = the digit's grey value, so reading only the red channel would score them as the
            // original digits; their luminance is another image.
            for (int i = 0; i < colour.Count; i++)
            {
                CollectionAssert.AreEqual(greyScores[i], colourScores[i], $"Image {i}: a colour image should be scored as its grey version.");
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Writes ML.NET's own greyscale conversion of each image, at the model's size, as a PNG whose three channels are equal.</summary>
    private static List<ImageRow> SaveGreyVersions(IReadOnlyList<ImageRow> rows, string folder)
    {
        Directory.CreateDirectory(folder);
        IDataView data = Ml.Data.LoadFromEnumerable(rows);
        IDataView grey = Ml.Transforms.LoadImages("Image", imageFolder: null, nameof(ImageRow.ImagePath))
            .Append(Ml.Transforms.ResizeImages("Image", DigitsPipeline.Size, DigitsPipeline.Size))
            .Append(Ml.Transforms.ConvertToGrayscale("Grey", "Image"))
            .Fit(data).Transform(data);
        var written = new List<ImageRow>();
        foreach ((MLImage image, int i) in grey.GetColumn<MLImage>("Grey").Select((image, i) => (image, i)))
        {
            string path = Path.Combine(folder, $"{i}.png");
            using (image)
            {
                image.Save(path);
            }

            written.Add(new ImageRow { ImagePath = path, Label = rows[i].Label });
        }

        return written;
    }

    [TestMethod]
    public void GetOutputSchema_ReportsScoreAndPredictedLabel()
    {
        SchemaShape input = SchemaShapes.From(DigitsPipeline.Preprocessing(Ml).Fit(DigitsPipeline.Train(Ml)).Transform(DigitsPipeline.Train(Ml)).Schema);

        SchemaShape output = Ml.Transforms.Inception(DigitsPipeline.QuickOptions()).GetOutputSchema(input);
        SchemaShape.Column score = output.Single(c => c.Name == "Score");
        SchemaShape.Column predicted = output.Single(c => c.Name == "PredictedLabel");

        Assert.AreEqual(SchemaShape.Column.VectorKind.Vector, score.Kind);
        Assert.AreEqual(NumberDataViewType.Single, score.ItemType);
        Assert.IsTrue(predicted.IsKey);
        Assert.AreEqual(SchemaShape.Column.VectorKind.Scalar, predicted.Kind);
    }

    private sealed class PathOnly
    {
        public string ImagePath { get; set; } = string.Empty;
    }
}

/// <summary>What a PredictionEngine returns for one digit.</summary>
public sealed class DigitPrediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}

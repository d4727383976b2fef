using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;

namespace Microsoft.ML.Inception.Tests.Estimator;

/// <summary>
/// <c>mlContext.MulticlassClassification.Trainers.Inception(...)</c>, where ML.NET users look for trainers, is the same
/// estimator as <c>mlContext.Transforms.Inception(...)</c>, on the same MLContext: same model, same log.
/// </summary>
[TestClass]
public sealed class TrainerCatalogTests
{
    [TestMethod]
    public void TrainersInception_Options_TrainsTheSameModelAsTransformsInception()
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Seed = 7;
        var viaTransforms = new MLContext(seed: 1);
        var viaTrainers = new MLContext(seed: 1);
        var log = new List<string>();
        viaTrainers.Log += (_, e) => log.Add(e.Message);

        ITransformer expected = DigitsPipeline.Preprocessing(viaTransforms).Append(viaTransforms.Transforms.Inception(options)).Fit(DigitsPipeline.SmallTrain(viaTransforms));
        ITransformer actual = DigitsPipeline.Preprocessing(viaTrainers).Append(viaTrainers.MulticlassClassification.Trainers.Inception(options)).Fit(DigitsPipeline.SmallTrain(viaTrainers));

        IDataView test = DigitsPipeline.Test(viaTransforms);
        float[][] expectedScores = expected.Transform(test).GetColumn<float[]>("Score").ToArray();
        float[][] actualScores = actual.Transform(test).GetColumn<float[]>("Score").ToArray();
        Assert.HasCount(expectedScores.Length, actualScores);
        for (int i = 0; i < expectedScores.Length; i++)
        {
            CollectionAssert.AreEqual(expectedScores[i], actualScores[i], $"Row {i}.");
        }

        Assert.IsTrue(log.Any(m => m.Contains("Epoch 1/1: loss", StringComparison.Ordinal)), "Training logs to the MLContext of the trainers catalog.");
    }

    [TestMethod]
    public void TrainersInception_SimpleOverload_ValidatesItsArgumentsAndReportsTheOutputColumns()
    {
        var ml = new MLContext(seed: 1);
        SchemaShape input = SchemaShapes.From(DigitsPipeline.Preprocessing(ml).Fit(DigitsPipeline.SmallTrain(ml)).Transform(DigitsPipeline.SmallTrain(ml)).Schema);

        InceptionEstimator estimator = ml.MulticlassClassification.Trainers.Inception(labelColumnName: "Label", imageColumnName: "Image", epochs: 2, batchSize: 16, learningRate: 0.01);
        SchemaShape output = estimator.GetOutputSchema(input);

        Assert.IsTrue(output.Single(c => c.Name == "PredictedLabel").IsKey);
        Assert.AreEqual(NumberDataViewType.Single, output.Single(c => c.Name == "Score").ItemType);
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.Inception(epochs: 0));
        StringAssert.Contains(e.Message, "Epochs must be");
    }
}

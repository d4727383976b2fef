using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Persistence;

/// <summary>
/// Resuming compares the checkpoint's class names with the label's key values: other classes are refused naming the
/// differences, the same classes numbered in another order (MapValueToKey numbers them by first occurrence) go on
/// training with the classifier's rows in the data's order.
/// </summary>
[TestClass]
public sealed class ResumeClassOrderTests
{
    private static readonly string[] Digits = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];
    private static string folder = null!;
    private static string checkpoint = null!;

    [ClassInitialize]
    public static void TrainCheckpoint(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-class-order-").FullName;
        checkpoint = Path.Combine(folder, "digits-0-9.ckpt");
        var ml = new MLContext(seed: 1);
        Fit(ml, Digits, resumeFrom: null, DigitsPipeline.SmallTrain(ml, perClass: 10)).LastTransformer.SaveCheckpoint(checkpoint);
    }

    [ClassCleanup]
    public static void DeleteFolder() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    public void Resume_SameClassesInReverseKeyOrder_TrainsAsInTheCheckpointsOrder()
    {
        string[] reversed = [.. Digits.Reverse()];
        var ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml, perClass: 10);
        IDataView test = DigitsPipeline.Test(ml);

        TransformerChain<InceptionTransformer> inOrder = Fit(ml, Digits, checkpoint, train);
        TransformerChain<InceptionTransformer> inReverse = Fit(ml, reversed, checkpoint, train);
        float[][] expected = inOrder.Transform(test).GetColumn<float[]>("Score").ToArray();
        float[][] actual = inReverse.Transform(test).GetColumn<float[]>("Score").ToArray();

        // Key k of the reversed labels is digit 9 - k: its score must be the score of that digit in the checkpoint's order.
        // The losses sum the classes in another order, so the two runs differ by rounding (up to about 1e-3 after
        // an epoch); classifier rows or momentum left in the checkpoint's order differ by tenths.
        for (int row = 0; row < expected.Length; row++)
        {
            for (int k = 0; k < Digits.Length; k++)
            {
                Assert.AreEqual(expected[row][Digits.Length - 1 - k], actual[row][k], 5e-3, $"Row {row}, digit {reversed[k]}: resumed on keys in reverse order, training went on with other classes' classifier rows.");
            }
        }
    }

    [TestMethod]
    public void Resume_CheckpointWithOtherClassNames_NamesTheDifferencesBeforeTraining()
    {
        var ml = new MLContext(seed: 1);
        // The same ten images per class, with two of the classes under other names.
        IDataView renamed = ml.Data.LoadFromEnumerable(DigitImages.Train.GroupBy(r => r.Label).SelectMany(g => g.Take(2))
            .Select(r => new ImageRow { ImagePath = r.ImagePath, Label = r.Label switch { "3" => "three", "7" => "seven", _ => r.Label } })
            .ToList());
        bool trained = false;
        InceptionOptions options = Options(checkpoint);
        options.EpochCompleted = _ => trained = true;
        var pipeline = DigitsPipeline.Preprocessing(ml).Append(ml.Transforms.Inception(options));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(renamed));

        StringAssert.Contains(e.Message, $"The checkpoint '{checkpoint}' was trained on other classes than label column 'Label' holds: missing from the data: 3, 7; new in the data: three, seven.");
        Assert.IsFalse(trained);
    }

    [TestMethod]
    public void Resume_CheckpointWithMoreClasses_NamesTheMissingOnes()
    {
        var ml = new MLContext(seed: 1);
        IDataView fiveDigits = ml.Data.LoadFromEnumerable(DigitImages.Train.Where(r => string.CompareOrdinal(r.Label, "5") < 0).GroupBy(r => r.Label).SelectMany(g => g.Take(2)).ToList());
        var pipeline = DigitsPipeline.Preprocessing(ml).Append(ml.Transforms.Inception(Options(checkpoint)));

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => pipeline.Fit(fiveDigits));

        StringAssert.Contains(e.Message, "was trained on 10 classes, but label column 'Label' has 5 (missing from the data: 5, 6, 7, 8, 9).");
    }

    /// <summary>Trains with the label's keys numbered in <paramref name="classOrder"/>, as MapValueToKey's key data fixes them.</summary>
    private static TransformerChain<InceptionTransformer> Fit(MLContext ml, string[] classOrder, string? resumeFrom, IDataView train)
    {
        IDataView keys = ml.Data.LoadFromEnumerable(classOrder.Select(c => new ClassName { Label = c }));
        var pipeline = ml.Transforms.Conversion.MapValueToKey("Label", keyData: keys)
            .Append(ml.Transforms.LoadImages("Image", DigitImages.Folder, nameof(ImageRow.ImagePath)))
            .Append(ml.Transforms.ResizeImages("Image", DigitsPipeline.Size, DigitsPipeline.Size))
            .Append(ml.Transforms.Inception(Options(resumeFrom)));
        return pipeline.Fit(train);
    }

    private static InceptionOptions Options(string? resumeFrom)
    {
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Seed = 42;
        options.LearningRateSchedule = InceptionLearningRateSchedule.Constant;
        options.ResumeFrom = resumeFrom;
        return options;
    }

    /// <summary>A row of MapValueToKey's key data: one class name.</summary>
    public sealed class ClassName
    {
        public string Label { get; set; } = string.Empty;
    }
}

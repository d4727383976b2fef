using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Transfer;

/// <summary>
/// The transfer setting of the tests: a small network trained on the digits 0-4 (the "pretrained" weights, saved in
/// each format once per test run) and fine-tuned on the digits 5-9, which it has never seen.
/// </summary>
internal static class DigitsTransfer
{
    public const double Width = 0.25;
    private static readonly Lazy<SourceWeights> Source = new(TrainSource);

    /// <summary>The 0-4 network's weights as safetensors.</summary>
    public static string SafeTensorsFile => Source.Value.SafeTensors;

    /// <summary>The same weights in TorchSharp's format.</summary>
    public static string TorchSharpFile => Source.Value.TorchSharp;

    /// <summary>The same weights as torch.save writes them (a .pth zip of a pickled OrderedDict).</summary>
    public static string PyTorchFile => Source.Value.PyTorch;

    public static IDataView LowDigits(MLContext ml, IReadOnlyList<ImageRow> rows) => ml.Data.LoadFromEnumerable(rows.Where(r => string.CompareOrdinal(r.Label, "5") < 0).ToList());

    public static IDataView HighDigits(MLContext ml, IReadOnlyList<ImageRow> rows) => ml.Data.LoadFromEnumerable(rows.Where(r => string.CompareOrdinal(r.Label, "5") >= 0).ToList());

    /// <summary>Options for fine-tuning on 5-9 from the 0-4 weights.</summary>
    public static InceptionOptions FineTuning(InceptionFineTuning mode, int epochs, string? weights = null) => new()
    {
        PretrainedWeights = weights ?? SafeTensorsFile,
        FineTuning = mode,
        Epochs = epochs,
        BatchSize = 32,
        WidthMultiplier = Width,
        HorizontalFlip = false,
        RandomCrop = false,
        Seed = 7,
    };

    /// <summary>Trains on 5-9 and returns the model and its accuracy on the held-out 5-9 digits.</summary>
    public static (TransformerChain<InceptionTransformer> Model, double Accuracy) FitHighDigits(InceptionOptions options)
    {
        var ml = new MLContext(seed: 1);
        TransformerChain<InceptionTransformer> model = DigitsPipeline.Create(ml, options).Fit(HighDigits(ml, DigitImages.Train));
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(HighDigits(ml, DigitImages.Test)));
        return (model, metrics.MicroAccuracy);
    }

    public static void Delete()
    {
        if (Source.IsValueCreated)
        {
            Directory.Delete(Source.Value.Folder, recursive: true);
        }
    }

    private static SourceWeights TrainSource()
    {
        string folder = Directory.CreateTempSubdirectory("inception-transfer-").FullName;
        var ml = new MLContext(seed: 1);
        InceptionOptions options = DigitsPipeline.FastOptions();
        options.Epochs = 3;
        options.WidthMultiplier = Width;
        options.Seed = 3;
        InceptionTransformer source = DigitsPipeline.Create(ml, options).Fit(LowDigits(ml, DigitImages.Train)).LastTransformer;
        var weights = new SourceWeights(folder, Path.Combine(folder, "digits-0-4.safetensors"), Path.Combine(folder, "digits-0-4.dat"), Path.Combine(folder, "digits-0-4.pth"));
        source.SaveWeights(weights.SafeTensors);
        source.SaveWeights(weights.TorchSharp);
        File.WriteAllBytes(weights.PyTorch, Weights.PthFixture.PthOf(WeightFile.Read(weights.SafeTensors, "weights").Tensors));
        return weights;
    }

    private sealed record SourceWeights(string Folder, string SafeTensors, string TorchSharp, string PyTorch);
}

// Loads a model zip saved by mlContext.Model.Save from a pipeline that ends in Inception (and MapKeyToValue of
// PredictedLabel), and classifies images: one line per image, "path<TAB>predicted class<TAB>probability".
//   dotnet run -c Release --project examples/Serving -- model.zip image-folder relative/path1.png [relative/path2.png ...]
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

if (args.Length < 3)
{
    Console.Error.WriteLine("usage: Serving <model.zip> <image folder> <image path relative to the folder>...");
    return 2;
}

var ml = new MLContext();
ITransformer model = ml.Model.Load(args[0], out _);
using PredictionEngine<ImageInput, ImagePrediction> engine = ml.Model.CreatePredictionEngine<ImageInput, ImagePrediction>(model);
foreach (string path in args.Skip(2))
{
    ImagePrediction prediction = engine.Predict(new ImageInput { ImagePath = path });
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{path}\t{prediction.PredictedLabel}\t{prediction.Score.Max():R}"));
}

return 0;

/// <summary>One image to classify. The saved pipeline starts with MapValueToKey("Label"), so the column must exist; it may be empty.</summary>
internal sealed class ImageInput
{
    public string ImagePath { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;
}

/// <summary>The predicted class name and the probability of every class.</summary>
internal sealed class ImagePrediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}

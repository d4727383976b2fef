// Trains a GoogLeNet classifier on OpenCV's 5,000 handwritten digits through the ML.NET pipeline API:
// 400 images per digit train, the other 100 per digit are held out.
//   dotnet run -c Release --project examples/Digits -- [--epochs 3] [--width 0.25] [--size 32] [--batch 64]
//   (--help describes them: DigitsOptions.cs)
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Inception;
using Microsoft.ML.Inception.Samples;

if (!DigitsOptions.TryParse(args, out DigitsOptions? options, out int exitCode))
{
    return exitCode;
}

int epochs = options.Epochs;
double width = options.Width;
int size = options.ImageSize;
int batch = options.BatchSize;
const int TrainPerClass = 400;

// 1. Real images in a folder per class, as most image datasets come.
string folder = Path.Combine(Path.GetTempPath(), "inception-opencv-digits");
IReadOnlyList<OpenCvDigits.Digit> digits = OpenCvDigits.Load(OpenCvDigits.FindSheet(AppContext.BaseDirectory));
var rows = OpenCvDigits.WriteImageFolder(digits, folder)
    .Select((r, i) => new DigitImage { ImagePath = r.Path, Label = r.Label, IsTest = digits[i].IndexInClass >= TrainPerClass })
    .ToList();
var ml = new MLContext(seed: 1);
IDataView train = ml.Data.LoadFromEnumerable(rows.Where(r => !r.IsTest));
IDataView test = ml.Data.LoadFromEnumerable(rows.Where(r => r.IsTest));
Console.WriteLine($"OpenCV digits in {folder}: {rows.Count(r => !r.IsTest)} training and {rows.Count(r => r.IsTest)} held-out images, 20x20 grey, resized to {size}x{size}.");

// 2. The pipeline: label to key, load and resize the images, train GoogLeNet.
var pipeline = ml.Transforms.Conversion.MapValueToKey("Label")
    .Append(ml.Transforms.LoadImages("Image", folder, nameof(DigitImage.ImagePath)))
    .Append(ml.Transforms.ResizeImages("Image", size, size))
    .Append(ml.Transforms.Inception(new InceptionOptions
    {
        Epochs = epochs,
        BatchSize = batch,
        WidthMultiplier = width,
        HorizontalFlip = false,   // a mirrored 2 is not a 2
        EpochCompleted = m => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"epoch {m.Epoch}/{epochs}: loss {m.TrainingLoss:F4}, train accuracy {m.TrainingAccuracy:P1}, {m.ImagesPerSecond:F0} images/s, RSS {ProcessMemory.Format(ProcessMemory.ResidentMiB())} MiB")),
    }));
var watch = Stopwatch.StartNew();
ITransformer model = pipeline.Fit(train);
Console.WriteLine($"Trained in {watch.Elapsed.TotalSeconds:F0} s.");

// 3. Evaluate on the held-out images.
MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(test));
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Held-out accuracy {metrics.MicroAccuracy:P2} (chance 10%), log-loss {metrics.LogLoss:F3}"));
Console.WriteLine(metrics.ConfusionMatrix.GetFormattedConfusionTable());

// 4. Save in ML.NET's format, load it back and predict single images.
string modelPath = Path.Combine(Path.GetTempPath(), "inception-digits-model.zip");
ml.Model.SaveAtomically(model, train.Schema, modelPath);  // replaces an earlier model.zip only once complete
ITransformer loaded = ml.Model.Load(modelPath, out _);
var withNames = loaded.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(loaded.Transform(test)));
// OwnsTransformer = false: by default ML.NET's engine disposes the model with itself, and with it a loaded model's ONNX
// Runtime session (dotnet/machinelearning#5945); this way the model keeps scoring after the engine is gone.
using var engine = ml.Model.CreatePredictionEngine<DigitImage, DigitPrediction>(withNames, new PredictionEngineOptions { OwnsTransformer = false });
foreach (DigitImage image in rows.Where(r => r.IsTest).Where((_, i) => i % 100 == 7))
{
    DigitPrediction p = engine.Predict(image);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{image.ImagePath}: predicted {p.PredictedLabel} ({p.Score.Max():P1}), true {image.Label}"));
}

Console.WriteLine($"Model saved to {modelPath} ({new FileInfo(modelPath).Length / 1024} KB).");
return 0;

/// <summary>One image of the folder: its path (relative to the folder), its digit, and whether it is held out.</summary>
internal sealed class DigitImage
{
    public string ImagePath { get; set; } = string.Empty;

    public string Label { get; set; } = string.Empty;

    public bool IsTest { get; set; }
}

/// <summary>A prediction: the digit and the probability of each class.</summary>
internal sealed class DigitPrediction
{
    public string PredictedLabel { get; set; } = string.Empty;

    public float[] Score { get; set; } = [];
}

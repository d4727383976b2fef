// Trains a GoogLeNet classifier on Fashion-MNIST (or on any folder-per-class tree of images) through the ML.NET
// pipeline API, reports test accuracy, per-class precision and recall and the confusion matrix, saves the model,
// reloads it to predict single images, and draws the training curves and the confusion matrix as PNGs.
//   dotnet run -c Release --project examples/FashionMnist -- [--epochs 7] [--width 0.25] [--batch 128] [--size 56]
//       [--lr 0.1] [--output ./fashion-mnist-output] [--data DIR]     (--help describes them: FashionMnistOptions.cs)
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Inception;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Samples.FashionMnist;
using Spectre.Console;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 120;
}

if (!FashionMnistOptions.TryParse(args, out FashionMnistOptions? commandLine, out int exitCode))
{
    return exitCode;
}

int epochs = commandLine.Epochs, batch = commandLine.BatchSize, size = commandLine.ImageSize;
double width = commandLine.Width, learningRate = commandLine.LearningRate;
string output = Path.GetFullPath(commandLine.OutputDirectory);
string? dataDir = commandLine.DataDirectory is string d ? Path.GetFullPath(d) : null;

var ml = new MLContext(seed: 1);

// 1. The data: Fashion-MNIST from its IDX files as pixel vectors, or image files in a folder per class.
IDataView train, test;
IReadOnlyList<string> classes;
List<(int Index, PixelRow Row)>? pixelSamples = null;
List<FileRow>? fileSamples = null;
IEstimator<ITransformer> imageSteps = new EstimatorChain<ITransformer>();
if (dataDir is null)
{
    if (FashionMnistIdx.Locate() is not (string idxDir, bool isSystem))
    {
        return Fail($"Fashion-MNIST not found: install the Debian package dataset-fashion-mnist ({FashionMnistIdx.SystemDirectory}) or run from the repository, which has {FashionMnistIdx.RepositoryDirectory}.");
    }

    FashionMnistIdx.Split trainSplit = FashionMnistIdx.Load(idxDir, FashionMnistIdx.TrainSplit);
    FashionMnistIdx.Split testSplit = FashionMnistIdx.Load(idxDir, FashionMnistIdx.TestSplit);
    SchemaDefinition schema = PixelRow.Schema(size);
    train = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(trainSplit, size), schema);
    test = ml.Data.LoadFromEnumerable(PixelRow.Enumerate(testSplit, size), schema);
    classes = FashionMnistIdx.ClassNames;
    pixelSamples = Enumerable.Range(0, 5).Select(i => (i * testSplit.Count / 5) + 17).Select(i => (i, PixelRow.From(testSplit, i, size))).ToList();
    string source = isSystem
        ? $"the full Fashion-MNIST from the Debian package dataset-fashion-mnist ({idxDir})"
        : $"the repository's copy of Fashion-MNIST ({idxDir}): the first {trainSplit.Count:N0} of the 60,000 training images and the full test set (install dataset-fashion-mnist for all 60,000)";
    AnsiConsole.MarkupLineInterpolated($"Data: {source}.");
    AnsiConsole.MarkupLineInterpolated($"      {trainSplit.Count:N0} training and {testSplit.Count:N0} test images, 28x28 grey, {(PixelRow.Scale(trainSplit, size) > 1 ? $"enlarged {PixelRow.Scale(trainSplit, size)}x and " : string.Empty)}padded to {size}x{size}; {classes.Count} classes.");
}
else
{
    if (!Directory.Exists(dataDir))
    {
        return Fail($"--data folder '{dataDir}' does not exist.");
    }

    ImageFolder folder = ImageFolder.Scan(dataDir);
    if (folder.DescribeSkipped() is string skipped)
    {
        Console.Error.WriteLine($"warning: {skipped}");
    }

    if (folder.Classes.Count < 2)
    {
        string afterSkipping = folder.Unreadable.Count > 0 ? $" after skipping {folder.Unreadable.Count} that cannot be decoded" : string.Empty;
        return Fail($"--data folder '{dataDir}' has {folder.Classes.Count} class subfolder(s) with images ({string.Join(", ", ImageFolder.Extensions)}){afterSkipping}; at least two are needed.");
    }

    // Stratified hold-out: 20% of every class (at least one image of a class with two or more) is the test set.
    var random = new Random(1);
    var trainRows = new List<FileRow>();
    var testRows = new List<FileRow>();
    foreach ((string name, IReadOnlyList<string> files) in folder.Classes)
    {
        string[] shuffled = files.ToArray();
        random.Shuffle(shuffled);
        int heldOut = shuffled.Length < 2 ? 0 : Math.Max(1, (int)Math.Round(shuffled.Length * 0.2));
        testRows.AddRange(shuffled.Take(heldOut).Select(f => new FileRow { ImagePath = f, Label = name }));
        trainRows.AddRange(shuffled.Skip(heldOut).Select(f => new FileRow { ImagePath = f, Label = name }));
    }

    if (testRows.Count == 0)
    {
        return Fail($"--data folder '{dataDir}' has no class with two or more images, so no test image can be held out.");
    }

    random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(trainRows));
    train = ml.Data.LoadFromEnumerable(trainRows);
    test = ml.Data.LoadFromEnumerable(testRows);
    classes = folder.Classes.Select(c => c.Name).ToList();
    fileSamples = testRows.Count <= 5 ? testRows : Enumerable.Range(0, 5).Select(i => testRows[i * testRows.Count / 5]).ToList();
    imageSteps = ml.Transforms.LoadImages("Image", dataDir, nameof(FileRow.ImagePath))
        .Append(ml.Transforms.ResizeImages("Image", size, size));
    string ignored = folder.IgnoredFiles > 0 ? $" ({folder.IgnoredFiles:N0} files without an image extension ignored)" : string.Empty;
    AnsiConsole.MarkupLineInterpolated($"Data: image folders in {dataDir}: {classes.Count} classes, {trainRows.Count + testRows.Count:N0} images{ignored}.");
    AnsiConsole.MarkupLineInterpolated($"      {trainRows.Count:N0} training and {testRows.Count:N0} held-out test images (stratified 20%), resized to {size}x{size}.");
}

// 2. The pipeline: class name to key (in the order of `classes`), the image steps if any, GoogLeNet.
var history = new List<InceptionEpochMetrics>();
ProgressTask? progressTask = null;
InceptionOptions options = FashionMnistSettings.Options("Image", epochs, batch, width, learningRate, m =>
{
    history.Add(m);
    if (progressTask is not null)
    {
        progressTask.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {m.Epoch}/{epochs}: loss {m.TrainingLoss:F3}, accuracy {m.TrainingAccuracy:P1}, {m.ImagesPerSecond:F0} images/s");
        progressTask.Increment(1);
    }

    AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"epoch {m.Epoch}/{epochs}: training loss [yellow]{m.TrainingLoss:F4}[/], training accuracy [green]{m.TrainingAccuracy:P2}[/], test accuracy [green]{m.ValidationAccuracy:P2}[/], {m.ImagesPerSecond:F0} images/s, learning rate {m.LearningRate:G3}, {m.Elapsed.TotalSeconds:F0} s");
});
// The test set, keyed and loaded as the estimator sees the training data, is scored after every epoch for the plots.
// Without early stopping it only measures: it does not choose the weights, so the final test accuracy stays honest.
options.ValidationSet = LabelKeys.MapLabel(ml, classes).Append(imageSteps).Fit(test).Transform(test);
IEstimator<ITransformer> pipeline = LabelKeys.MapLabel(ml, classes)
    .Append(imageSteps)
    .Append(ml.Transforms.Inception(options));

AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"GoogLeNet (width {width}), {epochs} epochs, batch {batch}, SGD with momentum, peak learning rate {learningRate} (cosine), label smoothing {options.LabelSmoothing}, horizontal flips; scored on each image and its mirror image.");
var watch = new Stopwatch();
ITransformer model = null!;
if (AnsiConsole.Profile.Capabilities.Interactive)
{
    // A live bar on a terminal; EpochCompleted moves it on and prints a line per epoch above it.
    AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
        .Start(ctx =>
        {
            progressTask = ctx.AddTask($"reading the images, then epoch 1/{epochs}", maxValue: epochs);
            watch.Start();
            model = pipeline.Fit(train);
            watch.Stop();
        });
}
else
{
    // Output to a file or pipe: only the line per epoch.
    watch.Start();
    model = pipeline.Fit(train);
    watch.Stop();
}

TimeSpan epochTime = history.Aggregate(TimeSpan.Zero, (sum, m) => sum + m.Elapsed);
double meanImagesPerSecond = history.Count == 0 ? 0 : history.Average(m => m.ImagesPerSecond);
AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Training time: [bold]{watch.Elapsed.TotalSeconds:F0} s[/] for Fit ({epochTime.TotalSeconds:F0} s in the {history.Count} epochs, {meanImagesPerSecond:F0} images/s on average; the rest is reading the data and exporting the model).");

// 3. Evaluate on the test set.
IDataView scored = model.Transform(test);
MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(scored);
VBuffer<ReadOnlyMemory<char>> keyValues = default;
scored.Schema["Label"].GetKeyValues(ref keyValues);
string[] names = keyValues.DenseValues().Select(v => v.ToString()).ToArray();
int testCount = (int)metrics.ConfusionMatrix.Counts.Sum(row => row.Sum());
AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Test accuracy: [bold green]{metrics.MicroAccuracy:P2}[/] on {testCount:N0} test images (macro {metrics.MacroAccuracy:P2}, log-loss {metrics.LogLoss:F3}, chance {1.0 / names.Length:P0}).");

var perClass = new Table().Title("Per-class precision and recall (test set)")
    .AddColumn("class").AddColumn(new TableColumn("precision").RightAligned()).AddColumn(new TableColumn("recall").RightAligned()).AddColumn(new TableColumn("test images").RightAligned());
for (int i = 0; i < names.Length; i++)
{
    perClass.AddRow(
        Markup.Escape(names[i]),
        metrics.ConfusionMatrix.PerClassPrecision[i].ToString("P1", CultureInfo.InvariantCulture),
        metrics.ConfusionMatrix.PerClassRecall[i].ToString("P1", CultureInfo.InvariantCulture),
        metrics.ConfusionMatrix.Counts[i].Sum().ToString("N0", CultureInfo.InvariantCulture));
}

AnsiConsole.Write(perClass);

var confusion = new Table().Title("Confusion matrix (rows: true class, columns: predicted class)").AddColumn("true \\ predicted");
for (int i = 0; i < names.Length; i++)
{
    confusion.AddColumn(new TableColumn(i.ToString(CultureInfo.InvariantCulture)).RightAligned());
}

for (int row = 0; row < names.Length; row++)
{
    var cells = new List<string> { Markup.Escape($"{row} {names[row]}") };
    for (int col = 0; col < names.Length; col++)
    {
        string count = metrics.ConfusionMatrix.Counts[row][col].ToString("0", CultureInfo.InvariantCulture);
        cells.Add(row == col ? $"[green]{count}[/]" : count == "0" ? $"[grey]{count}[/]" : count);
    }

    confusion.AddRow(cells.ToArray());
}

AnsiConsole.Write(confusion);

// 4. Save the model in ML.NET's format, load it back and predict single images with a PredictionEngine.
Directory.CreateDirectory(output);
string modelPath = Path.Combine(output, "model.zip");
ml.Model.SaveAtomically(model, train.Schema, modelPath);  // replaces an earlier model.zip only once complete
ITransformer loaded = ml.Model.Load(modelPath, out _);
ITransformer withNames = loaded.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(loaded.Transform(test)));
AnsiConsole.MarkupLineInterpolated($"Model saved to {modelPath} ({new FileInfo(modelPath).Length / 1024:N0} KB), reloaded; predictions for {pixelSamples?.Count ?? fileSamples!.Count} test images:");
if (pixelSamples is not null)
{
    // OwnsTransformer = false: by default ML.NET's engine disposes the model with itself, and with it a loaded model's
    // ONNX Runtime session (dotnet/machinelearning#5945); this way the model keeps scoring after the engine is gone.
    using var engine = ml.Model.CreatePredictionEngine<PixelRow, Prediction>(
        withNames, new PredictionEngineOptions { InputSchemaDefinition = PixelRow.Schema(size), OwnsTransformer = false });
    foreach ((int index, PixelRow row) in pixelSamples)
    {
        PrintPrediction($"test image {index}", engine.Predict(row), row.Label);
    }
}
else
{
    using var engine = ml.Model.CreatePredictionEngine<FileRow, Prediction>(withNames, new PredictionEngineOptions { OwnsTransformer = false });
    foreach (FileRow row in fileSamples!)
    {
        PrintPrediction(row.ImagePath, engine.Predict(row), row.Label);
    }
}

// 5. Plots.
string lossPlot = Path.Combine(output, "loss.png");
string accuracyPlot = Path.Combine(output, "accuracy.png");
string confusionPlot = Path.Combine(output, "confusion-matrix.png");
Plots.Curves(
    lossPlot,
    "Loss per epoch",
    "mean loss",
    history,
    [("training (augmented images, label smoothing, dropout)", m => m.TrainingLoss), ("test (cross-entropy, one view per image)", m => m.ValidationLoss)]);
Plots.Curves(
    accuracyPlot,
    "Accuracy per epoch",
    "accuracy (%)",
    history,
    [("training (augmented images, dropout)", m => m.TrainingAccuracy * 100), ("test (one view per image)", m => m.ValidationAccuracy * 100)],
    final: ("test, fitted model (image and mirror image averaged)", metrics.MicroAccuracy * 100));
Plots.ConfusionMatrix(confusionPlot, names, metrics.ConfusionMatrix.Counts);
AnsiConsole.MarkupLineInterpolated($"Plots: {lossPlot}, {accuracyPlot}, {confusionPlot}");
return 0;

void PrintPrediction(string what, Prediction p, string truth)
{
    string mark = p.PredictedLabel == truth ? "[green]right[/]" : "[red]wrong[/]";
    AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"  {Markup.Escape(what)}: predicted [bold]{Markup.Escape(p.PredictedLabel)}[/] ({p.Score.Max():P1}), true {Markup.Escape(truth)}: {mark}"));
}

static int Fail(string message)
{
    Console.Error.WriteLine($"error: {message}");
    return 1;
}

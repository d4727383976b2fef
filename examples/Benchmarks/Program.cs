// Measures GoogLeNet and the ML.NET pipeline on this machine and writes BENCHMARKS.md at the repository root. Each
// benchmark writes its own section (between <!-- name:start --> and <!-- name:end --> markers) and keeps the others.
//   Everything, one section after another in one process (about 40 minutes on 2 cores; needs Fashion-MNIST:
//   apt-get install dataset-fashion-mnist):
//     dotnet run -c Release --project examples/Benchmarks -- --all [--quick]
//   One section at a time: --network (the default), --scaling, --convolutions, --scoring, --latency, --pipeline,
//   --overhead, --memory, --estimator, --accuracy, --ensembles, --transfer, --smalldata, --intraop, --openmp. `-- --help` describes every section and
//   option (BenchmarksOptions.cs).
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Inception.Samples;
using System.Text;
using Microsoft.ML.Inception;
using Microsoft.ML.Inception.Benchmarks;
using TorchSharp;

// A measuring child of the OpenMP benchmark: started with its own OpenMP environment, it prints one figure and ends.
if (args.Length > 0 && args[0] == OpenMpWaiting.ChildFlag)
{
    OpenMpWaiting.RunChild(args);
    return 0;
}

// A measuring child of the intra-op threads benchmark: one network, thread count and heap setting in a fresh process.
if (args.Length > 0 && args[0] == ThreadsAndHeap.ChildFlag)
{
    ThreadsAndHeap.RunChild(args);
    return 0;
}

// As in an application, the library is loaded before libtorch, so its OpenMP default (OpenMpSpinCount) applies to
// every benchmark; torch.set_num_threads below would otherwise load libtorch first.
Console.WriteLine($"OpenMP: {OpenMpSpinCount.State}");

const string RunCommand = "dotnet run -c Release --project examples/Benchmarks";
const string NetworkHeading = "## GoogLeNet network throughput";

if (!BenchmarksOptions.TryParse(args, out BenchmarksOptions? commandLine, out int exitCode))
{
    return exitCode;
}

BenchmarksOptions options = commandLine;  // non-null in the local functions below, which read their sections' settings
bool quick = options.Quick;
int threads = options.Threads;
string output = options.Output ?? Path.Combine(RepositoryRoot.Find(), "BENCHMARKS.md");
string data = options.Data;
string command = args.Length == 0 ? RunCommand : $"{RunCommand} -- {string.Join(' ', args)}";
string scratch = Path.Combine(Path.GetTempPath(), $"inception-benchmarks-{Environment.ProcessId}");
string fashionPngFolder = Path.Combine(scratch, "fashion-png");
IReadOnlyList<ImageFiles.Row>? fashionPngs = null;
torch.set_num_threads(threads);

// Each section's measurement (null: skipped, with the reason printed); BenchmarksOptions.AllSections has the order.
var measurements = new Dictionary<string, Func<string?>>
{
    ["memory"] = MeasureMemory,
    ["latency"] = MeasureLatency,
    ["network"] = MeasureNetwork,
    ["scaling"] = MeasureScaling,
    ["convolutions"] = MeasureConvolutionBackends,
    ["scoring"] = MeasureScoring,
    ["pipeline"] = MeasurePipeline,
    ["overhead"] = MeasureOverhead,
    ["estimator"] = MeasureEstimator,
    ["accuracy"] = MeasureTimeToAccuracy,
    ["ensembles"] = MeasureTestTimeAndEnsembles,
    ["transfer"] = MeasureTransferLearning,
    ["smalldata"] = MeasureSmallData,
    ["intraop"] = MeasureThreads,
    ["openmp"] = MeasureOpenMp,
};

// The order of the sections in BENCHMARKS.md.
string[] fileOrder = ["network", "scaling", "convolutions", "intraop", "openmp", "scoring", "latency", "pipeline", "overhead", "memory", "estimator", "accuracy", "ensembles", "transfer", "smalldata"];
BenchmarkReport report = BenchmarkReport.Load(output, [new("network", NetworkHeading, RunCommand)]);
var started = DateTime.UtcNow;
var ranBefore = new List<string>();
try
{
    foreach (string section in options.Sections)
    {
        Console.WriteLine($"== {section} ({DateTime.UtcNow - started:hh\\:mm\\:ss} since start)");
        if (measurements[section]() is string content)
        {
            if (ranBefore.Count > 0 && section is "latency" or "estimator")
            {
                content += string.Create(CultureInfo.InvariantCulture,
                    $"\nThis process ran {string.Join(", ", ranBefore)} before this section, and libtorch and the C runtime keep freed memory for reuse rather than return it to the system, so the RSS figures above include what those left behind: read them as changes, not totals. The memory section, which --all runs first, measures Fit's RSS in a fresh process.\n");
            }

            ranBefore.Add(section);
            // Written after every section, so a long --all run keeps what it has measured if it is stopped.
            report.Set(section, content);
            File.WriteAllText(output, report.Render(Header(), fileOrder));
        }
    }
}
finally
{
    if (Directory.Exists(scratch))
    {
        Directory.Delete(scratch, recursive: true);
    }
}

Console.WriteLine($"Wrote {output} ({DateTime.UtcNow - started:hh\\:mm\\:ss})");
return 0;

string Measured(string what) => string.Create(CultureInfo.InvariantCulture,
    $"Measured {DateTime.UtcNow:yyyy-MM-dd} with `{command}` ({threads} intra-op threads, Microsoft.ML.Inception {MachineDescription.LibraryVersion()}); {what}");

// The first Fashion-MNIST test images as PNG files, written once per run for the benchmarks that start from files.
IReadOnlyList<ImageFiles.Row>? FashionPngs(string benchmark)
{
    if (fashionPngs is null && Fashion(FashionMnistIdx.TestSplit, quick ? 300 : 2000, benchmark) is FashionMnistIdx.Split split)
    {
        fashionPngs = ImageFiles.WriteFashionMnist(split, split.Count, fashionPngFolder);
    }

    return fashionPngs;
}

FashionMnistIdx.Split? Fashion(string split, int limit, string benchmark)
{
    IReadOnlyList<string> missing = FashionMnistIdx.MissingFiles(data);
    if (missing.Count > 0)
    {
        Console.WriteLine($"Skipping the {benchmark} benchmark: Fashion-MNIST is not installed ({string.Join(", ", missing)} missing). Install it with: apt-get install -y dataset-fashion-mnist (or point --data at a directory with the four files).");
        return null;
    }

    return FashionMnistIdx.Load(data, split, limit);
}

string MeasureNetwork()
{
    NetworkThroughput.Case[] cases = quick
        ? [new(GoogLeNetVariant.TorchVision, 0.25, 32, 16)]
        :
        [
            new(GoogLeNetVariant.TorchVision, 1.0, 224, 16),
            new(GoogLeNetVariant.TorchVision, 0.25, 224, 16),
            new(GoogLeNetVariant.Paper, 1.0, 224, 16),
            new(GoogLeNetVariant.TorchVision, 1.0, 96, 16),
            new(GoogLeNetVariant.TorchVision, 0.25, 96, 16),
            new(GoogLeNetVariant.TorchVision, 1.0, 32, 16),
            new(GoogLeNetVariant.TorchVision, 0.25, 32, 16),
        ];

    var results = new List<NetworkThroughput.Result>();
    foreach (NetworkThroughput.Case c in cases)
    {
        NetworkThroughput.Result r = NetworkThroughput.Measure(c, warmup: quick ? 1 : 2, repeats: quick ? 3 : 7);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {c.Variant} width {c.Width} {c.Size}px batch {c.Batch}: forward {r.ForwardImagesPerSecond:F1} images/s, training step {r.TrainImagesPerSecond:F1} images/s"));
        results.Add(r);
    }

    var section = new StringBuilder();
    section.AppendLine(NetworkHeading).AppendLine();
    section.AppendLine(Measured("every figure in the table was measured in that one run.")).AppendLine();
    section.AppendLine("Random inputs already in tensors, 10 classes, channels-last activations (`GoogLeNetOptions.ChannelsLast`, the default); median of timed batches after warm-up. A training step is forward in training mode with both auxiliary heads (loss weight 0.3), backward and an SGD-with-momentum step. Forward GFLOP/s counts 2 FLOP per multiply-add of the model summary (inference network); training GFLOP/s counts 3 times that per image (backward costs about twice the forward pass: gradients for the inputs and for the weights), leaving out the auxiliary heads (under 1% of the multiply-adds at 224 px).").AppendLine();
    section.Append(NetworkThroughput.Report(results, MachineDescription.PeakGflops()));
    return section.ToString();
}

string MeasureScaling()
{
    IReadOnlyList<Scaling.Table> tables = Scaling.Measure(threads, quick);
    var section = new StringBuilder();
    section.AppendLine("## Scaling: batch size, image size, threads, memory layout").AppendLine();
    section.AppendLine(Measured("every figure below was measured in that one run.")).AppendLine();
    section.AppendLine("Training steps (TorchVision variant, auxiliary heads, backward, SGD with momentum) on random inputs already in tensors, median of 5 timed steps after 2 warm-up steps; channels-last unless the row says contiguous. Training GFLOP/s = images/s x 3 x 2 x multiply-adds of the forward pass (see the network section).").AppendLine();
    section.Append(Scaling.Report(tables, MachineDescription.PeakGflops()));
    return section.ToString();
}

string MeasureConvolutionBackends()
{
    ConvolutionBackends.Measurement measurement = ConvolutionBackends.Measure(threads, quick);
    var section = new StringBuilder();
    section.AppendLine("## Convolutions: oneDNN against libtorch's own").AppendLine();
    section.AppendLine(Measured("every figure below was measured in that one run.")).AppendLine();
    section.AppendLine("Training steps (TorchVision variant, auxiliary heads, backward, SGD with momentum, channels-last) on random inputs already in tensors, median of 5 timed steps after 2 warm-up steps, with libtorch's oneDNN convolutions on and off (`at::Context::setUserEnabledMkldnn`). Where the library finds oneDNN's convolutions wrong (its check before the first `GoogLeNet`), it turns them off for the process: the oneDNN column is then what the wrong numbers would have cost, and the other column what training costs here.").AppendLine();
    section.Append(ConvolutionBackends.Report(measurement));
    return section.ToString();
}

string MeasureScoring()
{
    ScoringThroughput.Case[] cases =
    [
        new(GoogLeNetVariant.TorchVision, 0.25, 32, 1),
        new(GoogLeNetVariant.TorchVision, 0.25, 32, 32),
        new(GoogLeNetVariant.TorchVision, 1.0, 224, 1),
        new(GoogLeNetVariant.TorchVision, 1.0, 224, 32),
    ];
    var results = new List<ScoringThroughput.Result>();
    foreach (ScoringThroughput.Case c in cases)
    {
        ScoringThroughput.Result r = ScoringThroughput.Measure(c, threads, warmup: 3, repeats: c.Batch == 1 ? 41 : 7);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {c.Variant} width {c.Width} {c.Size}px batch {c.Batch}: TorchSharp {r.TorchSharpImagesPerSecond:F1} images/s, ONNX Runtime {r.OnnxImagesPerSecond:F1} images/s"));
        results.Add(r);
    }

    var section = new StringBuilder();
    section.AppendLine("## Inference: TorchSharp eval vs ONNX Runtime").AppendLine();
    section.AppendLine(Measured($"{threads} threads for both; every figure in the table was measured in that one run.")).AppendLine();
    section.AppendLine(CultureInfo.InvariantCulture, $"The same randomly initialised network (10 classes) both ways, normalisation and softmax included: TorchSharp in eval mode under no_grad (channels-last activations), and the model from `GoogLeNetOnnxExport` (batch norm folded) in ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version!.ToString(3)} with all graph optimisations and intra-op threads = the thread count. Median images/s of timed batches after warm-up, random pixel values.").AppendLine();
    section.Append(ScoringThroughput.Report(results));
    return section.ToString();
}

string? MeasureLatency()
{
    if (FashionPngs("latency") is not IReadOnlyList<ImageFiles.Row> files)
    {
        return null;
    }

    ScoringLatency.Case[] cases =
    [
        new(Size: 32, Width: 0.25, TrainImages: 256, Predictions: quick ? 50 : 500),
        new(Size: 224, Width: 1.0, TrainImages: quick ? 16 : 64, Predictions: quick ? 10 : 100),
    ];
    var ml = new MLContext(seed: 1);
    var results = new List<ScoringLatency.Result>();
    foreach (ScoringLatency.Case c in cases)
    {
        ScoringLatency.Result r = ScoringLatency.Measure(ml, fashionPngFolder, files, c);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {c.Size}px width {c.Width}: Predict median {r.MedianMilliseconds:F2} ms, p95 {r.P95Milliseconds:F2} ms; Transform {r.TransformImagesPerSecond:F1} images/s, peak RSS {ProcessMemory.Format(r.PeakMiB)} MiB"));
        results.Add(r);
    }

    var section = new StringBuilder();
    section.AppendLine("## Scoring through ML.NET: PredictionEngine latency, Transform throughput and memory").AppendLine();
    section.AppendLine(Measured("every figure in the table was measured in that one run.")).AppendLine();
    section.AppendLine(CultureInfo.InvariantCulture, $"The pipeline a user serves: `MapValueToKey(\"Label\")`, `LoadImages` (PNG files on disk: the first {files.Count} Fashion-MNIST test images, 28x28 grey), `ResizeImages`, then the fitted Inception model, whose scoring chain is stock ML.NET (ExtractPixels, ApplyOnnxModel with ONNX Runtime, the label head). *Predict* is one `PredictionEngine.Predict` call per image (decode, resize, network, label), timed one by one after 5 warm-up calls; *Transform* reads the Score column of all {files.Count} files through `model.Transform` (ML.NET's ONNX transformer runs one image at a time). RSS is VmRSS/VmHWM of this process (the peak is reset just before Transform), so it includes the .NET runtime, libtorch and ONNX Runtime.").AppendLine();
    section.Append(ScoringLatency.Report(results));
    return section.ToString();
}

string? MeasurePipeline()
{
    if (FashionPngs("pipeline") is not IReadOnlyList<ImageFiles.Row> fashion)
    {
        return null;
    }

    string photoFolder = Path.Combine(RepositoryRoot.Find(), "examples", "data", "photos");
    IReadOnlyList<ImageFiles.Row> photos = ImageFiles.Photos(photoFolder);
    IReadOnlyList<ImageFiles.Row> manyPhotos = [.. Enumerable.Repeat(photos, quick ? 2 : 10).SelectMany(p => p)];
    var ml = new MLContext(seed: 1);
    var results = new List<DataPipeline.Result>();
    foreach (int size in new[] { 32, 96, 224 })
    {
        foreach (DataPipeline.Case c in new DataPipeline.Case[]
        {
            new($"Fashion-MNIST PNG files (28x28 grey)", fashionPngFolder, fashion, size),
            new($"examples/data/photos, {photos.Count} files x {manyPhotos.Count / photos.Count} (JPEG, PNG, BMP, GIF; 20x30 to 1200x800)", photoFolder, manyPhotos, size),
        })
        {
            DataPipeline.Result r = DataPipeline.Measure(ml, c, repeats: quick ? 1 : 3);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {c.Source} to {size}x{size}: {r.ImagesPerSecond:F0} images/s"));
            results.Add(r);
        }
    }

    var section = new StringBuilder();
    section.AppendLine("## Data pipeline: LoadImages + ResizeImages + tensor conversion").AppendLine();
    section.AppendLine(Measured("every figure in the table was measured in that one run.")).AppendLine();
    section.AppendLine("ML.NET's `LoadImages` (SkiaSharp decode), `ResizeImages` and `ExtractPixels` (planar RGB floats, as the estimator reads images), read with a row cursor and copied into a float tensor one span per image; median images/s of 3 passes over the files (the files are in the page cache after the first pass). No network runs. Fit reads its training images through this path **once**, before the first epoch, and keeps them in memory as bytes (a quarter of float32), so per epoch the data costs only an index_select and a conversion per batch: see the overhead section for what that adds to an epoch.").AppendLine();
    section.Append(DataPipeline.Report(results));
    return section.ToString();
}

string? MeasureMemory()
{
    // 15 batches an epoch: with 5 (160 images) glibc had not reached its high-water mark by epoch 2 in one run (+18.5% by epoch 5).
    var c = new TrainingMemory.Case(Size: 224, Width: quick ? 0.25 : 1.0, BatchSize: 32, Images: quick ? 64 : 480, Epochs: 5);
    if (Fashion(FashionMnistIdx.TrainSplit, c.Images, "memory") is not FashionMnistIdx.Split split)
    {
        return null;
    }

    string folder = Path.Combine(scratch, "fashion-train-png");
    IReadOnlyList<ImageFiles.Row> files = ImageFiles.WriteFashionMnist(split, c.Images, folder);
    TrainingMemory.Result r = TrainingMemory.Measure(new MLContext(seed: 1), folder, files, c);
    foreach (TrainingMemory.Epoch e in r.Epochs)
    {
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  epoch {e.Number}: RSS {ProcessMemory.Format(e.RssMiB)} MiB, {e.ImagesPerSecond:F1} images/s"));
    }

    var section = new StringBuilder();
    section.AppendLine("## Memory: training at 224 px, batch 32").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.Append(TrainingMemory.Report(r));
    return section.ToString();
}

string? MeasureEstimator()
{
    int train = options.EstimatorTrain;
    int epochs = options.EstimatorEpochs;
    double width = options.EstimatorWidth;
    if (Fashion(FashionMnistIdx.TrainSplit, train, "estimator") is not FashionMnistIdx.Split trainSplit)
    {
        return null;
    }

    FashionMnistIdx.Split testSplit = FashionMnistIdx.Load(data, FashionMnistIdx.TestSplit);
    if (trainSplit.Count < train)
    {
        Console.WriteLine($"Fashion-MNIST has {trainSplit.Count} training images; using all of them.");
    }

    var c = new EstimatorFit.Case(trainSplit.Count, epochs, width, BatchSize: 128, LearningRate: 0.1);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  Fit of MapValueToKey + Inception on {trainSplit.Count} Fashion-MNIST images (32x32 padded), {epochs} epoch(s), width {width}, batch {c.BatchSize}; then scoring {testSplit.Count} test images."));
    EstimatorFit.Result r = EstimatorFit.Measure(c, trainSplit, testSplit);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"  Fit {r.Fit.TotalSeconds:F1} s (epochs {r.EpochTotal.TotalSeconds:F1} s), test accuracy {r.Test.MicroAccuracy:P2}, peak RSS {ProcessMemory.Format(r.PeakAtEndMiB)} MiB"));
    return "## Fit through the ML.NET pipeline (Fashion-MNIST)\n\n" + EstimatorFit.Report(r, command, threads);
}

string? MeasureOverhead()
{
    if (Fashion(FashionMnistIdx.TrainSplit, 1, "overhead") is null)
    {
        return null;
    }

    // Width 0.25 at every size so that 224 px stays affordable; image counts chosen for roughly equal time per size.
    TrainingOverhead.Case[] cases = quick
        ? [new(Size: 32, Images: 256, Epochs: 2, Width: 0.25, BatchSize: 16)]
        :
        [
            new(Size: 32, Images: 2048, Epochs: 3, Width: 0.25, BatchSize: 16),
            new(Size: 96, Images: 768, Epochs: 3, Width: 0.25, BatchSize: 16),
            new(Size: 224, Images: 192, Epochs: 3, Width: 0.25, BatchSize: 16),
        ];
    var results = new List<TrainingOverhead.Result>();
    foreach (TrainingOverhead.Case c in cases)
    {
        FashionMnistIdx.Split split = FashionMnistIdx.Load(data, FashionMnistIdx.TrainSplit, c.Images);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {c.Size}x{c.Size} px, {split.Count} images x {c.Epochs} epochs, width {c.Width}, batch {c.BatchSize}:"));
        results.Add(TrainingOverhead.Measure(c with { Images = split.Count }, split, rounds: quick ? 1 : 3));
    }

    return "## Training overhead: Fit through ML.NET vs a bare TorchSharp loop\n\n" + TrainingOverhead.Report(results, command, threads);
}

string? MeasureTimeToAccuracy()
{
    int epochs = options.AccuracyEpochs;
    if (Fashion(FashionMnistIdx.TrainSplit, quick ? 2000 : int.MaxValue, "time-to-accuracy") is not FashionMnistIdx.Split train)
    {
        return null;
    }

    FashionMnistIdx.Split test = FashionMnistIdx.Load(data, FashionMnistIdx.TestSplit, quick ? 500 : int.MaxValue);
    TimeToAccuracy.Result r = TimeToAccuracy.Measure(new MLContext(seed: 1), train, test, epochs);
    var section = new StringBuilder();
    section.AppendLine("## Time to accuracy on Fashion-MNIST").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.AppendLine(CultureInfo.InvariantCulture, $"All {r.TrainImages:N0} training images and all {r.TestImages:N0} test images of Fashion-MNIST (Debian package dataset-fashion-mnist). **Inception** uses the main example's settings (`examples/Shared/FashionMnistSettings.cs`: {FashionMnistSettings.Describe(r.Epochs)}) with the test set as `ValidationSet`, so every epoch reports test accuracy of the network alone (one view; the final row adds ML.NET's `Evaluate` of the fitted model, which averages each image and its mirror image); the time is the wall time since `Fit` started when the epoch's callback ran, validation of that epoch included (about 10,000 images at a few thousand images/s). **LightGbm** is ML.NET's LightGbm multiclass trainer with default settings on the 784 raw pixel values (examples/Comparison's route), trained and evaluated on the same images in the same process just after. ML.NET's ResNet18 featurizer with LbfgsMaximumEntropy featurizes about 21 images/s here, so it is not run on 60,000 images (it would take about 50 minutes); the comparison section measures it on 5,000.").AppendLine();
    section.Append(TimeToAccuracy.Report(r));
    return section.ToString();
}

string? MeasureTestTimeAndEnsembles()
{
    int epochs = options.EnsembleEpochs;
    if (Fashion(FashionMnistIdx.TrainSplit, quick ? 2000 : int.MaxValue, "ensembles") is not FashionMnistIdx.Split train)
    {
        return null;
    }

    FashionMnistIdx.Split test = FashionMnistIdx.Load(data, FashionMnistIdx.TestSplit, quick ? 500 : int.MaxValue);
    TestTimeAndEnsembles.Result r = TestTimeAndEnsembles.Measure(train, test, epochs, options.Crops144Images);
    var section = new StringBuilder();
    section.AppendLine("## Test-time augmentation and ensembles on Fashion-MNIST").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.Append(TestTimeAndEnsembles.Report(r));
    return section.ToString();
}

string? MeasureTransferLearning()
{
    var c = new TransferLearning.Case(
        SourceImages: quick ? 500 : 10_000,
        SourceEpochs: quick ? 1 : 3,
        ManyImages: options.TransferImages,
        ManyEpochs: quick ? 1 : 3,
        ManyHeadOnlyEpochs: quick ? 2 : 10,
        FewPerClass: 20,
        FewEpochs: quick ? 2 : 30,
        FewBatchSize: 16);
    if (Fashion(FashionMnistIdx.TrainSplit, int.MaxValue, "transfer") is not FashionMnistIdx.Split train)
    {
        return null;
    }

    FashionMnistIdx.Split test = FashionMnistIdx.Load(data, FashionMnistIdx.TestSplit, quick ? 1000 : int.MaxValue);
    TransferLearning.Result r = TransferLearning.Measure(train, test, c, Path.Combine(scratch, "transfer"));
    var section = new StringBuilder();
    section.AppendLine("## Transfer learning: pretrained weights fine-tuned on new classes (Fashion-MNIST)").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.Append(TransferLearning.Report(r));
    return section.ToString();
}

string? MeasureSmallData()
{
    if (Fashion(FashionMnistIdx.TrainSplit, 10_000, "smalldata") is not FashionMnistIdx.Split train)
    {
        return null;
    }

    FashionMnistIdx.Split test = FashionMnistIdx.Load(data, FashionMnistIdx.TestSplit, quick ? 500 : 2000);
    SmallData.Result r = SmallData.Measure(train, test, quick ? FashionMnistIdx.Load(data, FashionMnistIdx.TrainSplit, 1000) : train, quick);
    var section = new StringBuilder();
    section.AppendLine("## Small data: 150 images, 15 optimizer steps").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.Append(SmallData.Report(r));
    return section.ToString();
}

string MeasureThreads()
{
    ThreadsAndHeap.Measurement m = ThreadsAndHeap.Measure(threads, quick);
    var section = new StringBuilder();
    section.AppendLine("## Intra-op threads and the native heap").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.Append(ThreadsAndHeap.Report(m));
    return section.ToString();
}

string MeasureOpenMp()
{
    OpenMpWaiting.Measurement m = OpenMpWaiting.Measure(threads, quick, options.OpenMpRounds);
    var section = new StringBuilder();
    section.AppendLine("## OpenMP threads on a busy machine").AppendLine();
    section.AppendLine(Measured("every figure below is from that one run.")).AppendLine();
    section.Append(OpenMpWaiting.Report(m));
    return section.ToString();
}

string Header()
{
    var header = new StringBuilder();
    header.AppendLine("# Benchmarks").AppendLine();
    header.AppendLine(CultureInfo.InvariantCulture, $"Written by `{RunCommand} -- --all` (every section below except the comparison, one after another in one process), or one section at a time with `--network`, `--scaling`, `--convolutions`, `--scoring`, `--latency`, `--pipeline`, `--overhead`, `--memory`, `--estimator`, `--accuracy`, `--ensembles`, `--transfer`, `--smalldata`, `--intraop` or `--openmp` (`-- --help` describes them); `dotnet run -c Release --project examples/Comparison -- --write-benchmarks` writes the comparison with ML.NET's usual routes. Each run rewrites only its own sections and keeps the others; every section names the run it comes from.").AppendLine();
    header.AppendLine(CultureInfo.InvariantCulture, $"Machine, as described by the latest run ({DateTime.UtcNow:yyyy-MM-dd}):").AppendLine();
    header.AppendLine(MachineDescription.Describe(threads));
    header.AppendLine(CultureInfo.InvariantCulture,
        $"- libtorch's convolutions: {CpuConvolutionCheck.EnsureCorrect() ?? "oneDNN, libtorch's default (the library's check found them correct here)"}");
    if (MachineDescription.PeakGflops() is double p)
    {
        header.AppendLine(CultureInfo.InvariantCulture, $"- FP32 peak: {p:F0} GFLOP/s = {Environment.ProcessorCount} cores x clock x 32 FLOP/cycle (two 256-bit FMA units per core, what AVX2 code such as MKL's GEMM on AMD processors can use; AVX-512 code on a Zen 5 core could do twice that); the clock is the nominal one /proc/cpuinfo reports (the hypervisor hides boost clocks, so the true peak may be higher and the shares of peak below are upper bounds).");
    }

    return header.ToString();
}

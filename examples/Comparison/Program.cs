// Classifies Fashion-MNIST three ways on the same images and the same machine, one after another in one process:
// ML.NET's pretrained ResNet18 featurizer with LbfgsMaximumEntropy, LightGbm on the raw pixels, and this library's
// Inception estimator. Prints test accuracy, Fit time, scoring throughput and model zip size of each, and with
// --write-benchmarks writes them with the machine and the command into BENCHMARKS.md (section 'comparison').
//   dotnet run -c Release --project examples/Comparison -- [--train 5000] [--test 2000] [--epochs 7]
//       [--only resnet18,lightgbm,inception] [--write-benchmarks]     (--help describes them: ComparisonOptions.cs)
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Samples.Comparison;
using Spectre.Console;

const string RunCommand = "dotnet run -c Release --project examples/Comparison";

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 140;
}

string[] routeKeys = [ResNet18Route.Key, LightGbmRoute.Key, InceptionRoute.Key];
if (!ComparisonOptions.TryParse(args, routeKeys, out ComparisonOptions? options, out int exitCode))
{
    return exitCode;
}

if (FashionMnistIdx.Locate() is not (string idxDir, bool isSystem))
{
    Console.Error.WriteLine($"error: Fashion-MNIST not found: install the Debian package dataset-fashion-mnist ({FashionMnistIdx.SystemDirectory}) or run from the repository, which has {FashionMnistIdx.RepositoryDirectory}.");
    return 1;
}

FashionMnistIdx.Split train = FashionMnistIdx.Load(idxDir, FashionMnistIdx.TrainSplit, options.Train);
FashionMnistIdx.Split test = FashionMnistIdx.Load(idxDir, FashionMnistIdx.TestSplit, options.Test);
string source = isSystem ? $"Debian package dataset-fashion-mnist, {idxDir}" : $"the repository's copy, {FashionMnistIdx.RepositoryDirectory}";
string data = string.Create(CultureInfo.InvariantCulture,
    $"Data: the first {train.Count:N0} training and the first {test.Count:N0} test images of Fashion-MNIST ({source}; the files are in shuffled order, so every class has about a tenth), the same images for every route.");
Console.WriteLine(data);
if (train.Count < options.Train || test.Count < options.Test)
{
    Console.WriteLine($"(fewer images than asked for: the files hold {train.Count:N0} training and {test.Count:N0} test images)");
}

var results = new List<RouteResult>();
DirectoryInfo modelFolder = Directory.CreateTempSubdirectory("inception-comparison-");
try
{
    foreach (string key in options.Routes)
    {
        // A context per route, each seeded the same, so a route's result does not depend on which ran before it.
        var ml = new MLContext(seed: 1);
        Route route = key switch
        {
            ResNet18Route.Key => ResNet18Route.Create(ml, train, test),
            LightGbmRoute.Key => LightGbmRoute.Create(ml, train, test),
            InceptionRoute.Key => InceptionRoute.Create(ml, train, test, options.Epochs),
            _ => throw new UnreachableException($"no route '{key}'"),
        };
        AnsiConsole.MarkupLineInterpolated($"[bold]{results.Count + 1}/{options.Routes.Count} {route.Name}[/]: Fit on {train.Count:N0} images, then scoring {test.Count:N0}.");
        RouteResult result = RouteMeasurement.Run(ml, route, train.Count, modelFolder.FullName);
        results.Add(result);
        Console.WriteLine(ComparisonReport.Line(result));
    }
}
finally
{
    modelFolder.Delete(recursive: true);
}

AnsiConsole.Write(ComparisonReport.ConsoleTable(results));

if (options.WriteBenchmarks)
{
    string path = Path.Combine(RepositoryRoot.Find(), "BENCHMARKS.md");
    string command = args.Length == 0 ? RunCommand : $"{RunCommand} -- {string.Join(' ', args)}";
    string machine = MachineDescription.Describe(TorchSharp.torch.get_num_threads());
    BenchmarkReport report = BenchmarkReport.Load(path, []);
    report.Set(ComparisonReport.SectionName, ComparisonReport.Section(results, command, machine, data));
    File.WriteAllText(path, report.Render(report.Header ?? "# Benchmarks\n", []));
    Console.WriteLine($"Wrote the '{ComparisonReport.SectionName}' section of {path}");
}

return 0;

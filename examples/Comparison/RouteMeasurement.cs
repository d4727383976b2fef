using System.Diagnostics;
using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>Fits one route, scores the test images through the fitted model, and saves the model to learn its size.</summary>
internal static class RouteMeasurement
{
    public static RouteResult Run(MLContext ml, Route route, int trainImages, string modelFolder)
    {
        using var process = Process.GetCurrentProcess();
        TimeSpan ownBefore = process.TotalProcessorTime;
        TimeSpan? busyBefore = SystemCpu.BusyTime();

        using var heartbeat = new Heartbeat(route.Name);
        var watch = Stopwatch.StartNew();
        ITransformer model = route.CreateEstimator().Fit(route.Train);
        TimeSpan fit = watch.Elapsed;

        watch.Restart();
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(model.Transform(route.Test), LabelKeys.LabelColumn);
        TimeSpan scoring = watch.Elapsed;

        process.Refresh();
        TimeSpan own = process.TotalProcessorTime - ownBefore;
        double? otherCores = SystemCpu.BusyTime() - busyBefore is TimeSpan busy
            ? Math.Max(0, (busy - own).TotalSeconds) / (fit + scoring).TotalSeconds
            : null;

        string path = Path.Combine(modelFolder, $"{route.Key}.zip");
        ml.Model.Save(model, route.Train.Schema, path);
        long bytes = new FileInfo(path).Length;
        File.Delete(path);
        (model as IDisposable)?.Dispose();
        return new RouteResult(route, trainImages, fit, scoring, metrics, bytes, otherCores);
    }
}

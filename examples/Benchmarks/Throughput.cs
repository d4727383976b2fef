using System.Diagnostics;

namespace Microsoft.ML.Inception.Benchmarks;

/// <summary>Images/s of a batch operation: the median of timed runs after warm-up runs.</summary>
internal static class Throughput
{
    public static double MedianImagesPerSecond(int batch, int warmup, int repeats, Action run)
    {
        for (int i = 0; i < warmup; i++)
        {
            run();
        }

        var rates = new List<double>();
        for (int i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            rates.Add(batch / watch.Elapsed.TotalSeconds);
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }
}

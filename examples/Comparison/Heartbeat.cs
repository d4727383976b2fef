using System.Diagnostics;
using System.Globalization;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// Prints how long a step has been running, once a minute, until disposed. ML.NET reads rows ahead of the transforms
/// that consume them, so counting the images read would not tell how far featurizing has come; the time does.
/// </summary>
internal sealed class Heartbeat : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);
    private readonly Stopwatch watch = Stopwatch.StartNew();
    private readonly Timer timer;

    public Heartbeat(string what)
    {
        timer = new Timer(_ => Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {what}: {watch.Elapsed.TotalMinutes:F0} min so far")), null, Interval, Interval);
    }

    public void Dispose() => timer.Dispose();
}

using System.Collections;
using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception.Tests.MLNet;

/// <summary>One entry of ML.NET's progress log, as its progress tracker returns it.</summary>
/// <param name="Name">The progress channel's name.</param>
/// <param name="Kind">Start, Progress or Stop.</param>
/// <param name="IsCheckpoint">Whether the entry was pushed by <c>Checkpoint</c> rather than pulled from the channel.</param>
/// <param name="MetricNames">The header's metric names.</param>
/// <param name="UnitNames">The header's progress units.</param>
/// <param name="Metrics">One value (or null) per metric.</param>
/// <param name="Progress">One value (or null) per unit.</param>
/// <param name="ProgressLimits">One limit (or null) per unit.</param>
internal sealed record ProgressLogEntry(
    string Name, string Kind, bool IsCheckpoint, IReadOnlyList<string> MetricNames, IReadOnlyList<string> UnitNames,
    double?[] Metrics, double?[] Progress, double?[] ProgressLimits);

/// <summary>
/// What ML.NET keeps internal but its own tests and AutoML use: <c>MLContext.CancelExecution()</c> ([BestFriend] internal
/// in Microsoft.ML 5 and 6), and the progress tracker behind an MLContext (what ML.NET's console environment prints). The tests
/// reach them by reflection to check that this library honours and feeds them as ML.NET's trainers do.
/// </summary>
internal static class MLContextInternals
{
    private const BindingFlags Instance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;

    /// <summary>Calls <c>MLContext.CancelExecution()</c>: every current and later operation of the context is cancelled.</summary>
    public static void CancelExecution(MLContext ml) =>
        (typeof(MLContext).GetMethod("CancelExecution", Instance, Type.EmptyTypes)
            ?? throw new InvalidOperationException("MLContext.CancelExecution() not found")).Invoke(ml, null);

    /// <summary>
    /// Returns the progress events of <paramref name="ml"/> since the last call, as ML.NET's progress tracker does: start
    /// and stop events, checkpoints, and a pulled entry for each running calculation that had no other event.
    /// </summary>
    public static List<ProgressLogEntry> GetAllProgress(MLContext ml)
    {
        object environment = typeof(MLContext).GetField("_env", Instance)!.GetValue(ml)!;
        object tracker = FieldInHierarchy(environment.GetType(), "ProgressTracker").GetValue(environment)!;
        var events = (IEnumerable)tracker.GetType().GetMethod("GetAllProgress", Instance)!.Invoke(tracker, null)!;
        var entries = new List<ProgressLogEntry>();
        foreach (object e in events)
        {
            string name = (string)Field(e, "Name")!;
            string kind = Field(e, "Kind")!.ToString()!;
            object? entry = Field(e, "ProgressEntry");
            if (entry is null)
            {
                entries.Add(new ProgressLogEntry(name, kind, false, [], [], [], [], []));
                continue;
            }

            var header = (ProgressHeader)Field(entry, "Header")!;
            entries.Add(new ProgressLogEntry(
                name, kind, (bool)Field(entry, "IsCheckpoint")!, header.MetricNames, header.UnitNames,
                (double?[])Field(entry, "Metrics")!, (double?[])Field(entry, "Progress")!, (double?[])Field(entry, "ProgressLim")!));
        }

        return entries;
    }

    private static object? Field(object target, string name) =>
        (target.GetType().GetField(name, Instance) ?? throw new InvalidOperationException($"{target.GetType()}.{name} not found")).GetValue(target);

    private static FieldInfo FieldInHierarchy(Type type, string name)
    {
        for (Type? t = type; t is not null; t = t.BaseType)
        {
            if (t.GetField(name, Instance | BindingFlags.DeclaredOnly) is FieldInfo field)
            {
                return field;
            }
        }

        throw new InvalidOperationException($"{type}.{name} not found");
    }
}

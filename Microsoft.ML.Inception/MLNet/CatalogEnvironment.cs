using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reaches the <see cref="IHostEnvironment"/> behind an ML.NET catalog, so training logs to the user's
/// <c>MLContext.Log</c>, draws its seed from the MLContext's random source, reports progress to its progress tracker
/// and stops when the MLContext is cancelled. ML.NET keeps that environment behind the internal interface
/// <c>Microsoft.ML.Data.IInternalCatalog</c>, and a few of its members behind other internal interfaces; all reflection
/// into ML.NET in the library is in this file.
/// </summary>
internal static class CatalogEnvironment
{
    private const string InterfaceName = "Microsoft.ML.Data.IInternalCatalog";

    private static readonly PropertyInfo? EnvironmentProperty =
        typeof(TransformsCatalog).Assembly.GetType(InterfaceName)?.GetProperty("Environment");

    /// <summary><c>Microsoft.ML.Runtime.ICancelable.IsCanceled</c>: set on an environment and all its hosts by <c>MLContext.CancelExecution()</c>.</summary>
    private static readonly PropertyInfo? IsCanceledProperty =
        typeof(IHostEnvironment).Assembly.GetType("Microsoft.ML.Runtime.ICancelable")?.GetProperty("IsCanceled");

    /// <summary>Returns the catalog's environment.</summary>
    /// <exception cref="NotSupportedException">This ML.NET version no longer exposes the environment the way 5.x does.</exception>
    public static IHostEnvironment Get(TransformsCatalog catalog) => GetFromCatalog(catalog);

    /// <summary>Returns the environment of the multiclass trainers catalog (<c>mlContext.MulticlassClassification.Trainers</c>).</summary>
    /// <exception cref="NotSupportedException">This ML.NET version no longer exposes the environment the way 5.x does.</exception>
    public static IHostEnvironment Get(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog) => GetFromCatalog(catalog);

    /// <summary>
    /// The transforms catalog (<c>mlContext.Transforms</c>) of the MLContext behind <paramref name="catalog"/>: the
    /// estimator builds its scoring chain from stock transforms, which are extension methods of that catalog. ML.NET
    /// creates it from the environment with an internal constructor; the catalog made here wraps the same environment,
    /// so logging, seed, temporary folder and cancellation are the MLContext's.
    /// </summary>
    /// <exception cref="NotSupportedException">This ML.NET version has no such constructor.</exception>
    public static TransformsCatalog Transforms(MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog)
    {
        IHostEnvironment environment = Get(catalog);
        ConstructorInfo? constructor = typeof(TransformsCatalog).GetConstructor(
            BindingFlags.NonPublic | BindingFlags.Instance, binder: null, [typeof(IHostEnvironment)], modifiers: null);
        return constructor?.Invoke([environment]) as TransformsCatalog
            ?? throw new NotSupportedException(
                $"Microsoft.ML.Inception could not create a TransformsCatalog for the MLContext behind mlContext.MulticlassClassification.Trainers in Microsoft.ML {typeof(TransformsCatalog).Assembly.GetName().Version}; use mlContext.Transforms.Inception(...) instead.");
    }

    /// <summary>
    /// The folder the catalog's MLContext keeps temporary files in (<c>MLContext.TempFilePath</c>), read through ML.NET's
    /// internal <c>IHostEnvironmentInternal</c> that every environment of an MLContext implements; null if unavailable.
    /// </summary>
    public static string? TempFilePath(TransformsCatalog catalog)
    {
        IHostEnvironment environment = Get(catalog);
        Type? internalInterface = environment.GetType().GetInterfaces().FirstOrDefault(i => i.FullName == "Microsoft.ML.Runtime.IHostEnvironmentInternal");
        return internalInterface?.GetProperty("TempFilePath")?.GetValue(environment) as string;
    }

    /// <summary>
    /// Whether <c>MLContext.CancelExecution()</c> has cancelled <paramref name="environment"/>: what ML.NET's own trainers
    /// check between batches (<c>host.CheckAlive()</c>, internal to ML.NET). False where this ML.NET version has no such
    /// flag; <see cref="InceptionOptions.CancellationToken"/> still cancels then.
    /// </summary>
    public static bool IsCancelled(IHostEnvironment environment) =>
        IsCanceledProperty is not null
        && IsCanceledProperty.DeclaringType!.IsInstanceOfType(environment)
        && IsCanceledProperty.GetValue(environment) is true;

    private static IHostEnvironment GetFromCatalog(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (EnvironmentProperty?.GetValue(catalog) is IHostEnvironment environment)
        {
            return environment;
        }

        throw new NotSupportedException(
            $"Microsoft.ML.Inception could not reach the MLContext behind the catalog ({InterfaceName}.Environment is missing in Microsoft.ML {typeof(TransformsCatalog).Assembly.GetName().Version}). It supports Microsoft.ML 6.x.");
    }
}

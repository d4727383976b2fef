using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reaches the <see cref="IHostEnvironment"/> behind a <see cref="TransformsCatalog"/>, so training logs to the
/// user's <c>MLContext.Log</c> and draws its seed from the MLContext's random source. ML.NET keeps that
/// environment behind the internal interface <c>Microsoft.ML.Data.IInternalCatalog</c>; this is the only
/// reflection into ML.NET in the library.
/// </summary>
internal static class CatalogEnvironment
{
    private const string InterfaceName = "Microsoft.ML.Data.IInternalCatalog";

    private static readonly PropertyInfo? EnvironmentProperty =
        typeof(TransformsCatalog).Assembly.GetType(InterfaceName)?.GetProperty("Environment");

    /// <summary>Returns the catalog's environment.</summary>
    /// <exception cref="NotSupportedException">This ML.NET version no longer exposes the environment the way 5.x does.</exception>
    public static IHostEnvironment Get(TransformsCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (EnvironmentProperty?.GetValue(catalog) is IHostEnvironment environment)
        {
            return environment;
        }

        throw new NotSupportedException(
            $"Microsoft.ML.Inception could not reach the MLContext behind the transforms catalog ({InterfaceName}.Environment is missing in Microsoft.ML {typeof(TransformsCatalog).Assembly.GetName().Version}). It supports Microsoft.ML 5.x.");
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
}

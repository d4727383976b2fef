using System.Runtime.InteropServices;
using TorchSharp;

namespace Microsoft.ML.Inception;

/// <summary>
/// Makes sure the application carries libtorch before the library's first TorchSharp call. The library references the
/// managed TorchSharp package only, as Microsoft.ML.TorchSharp does, and the application chooses the native libtorch for
/// its machine (a libtorch-cpu-* package, or a CUDA one). Without it, TorchSharp fails at its first tensor with a long
/// load trace that recommends its combined packages (which bring libtorch for every operating system), and first tries
/// to copy libtorch out of the NuGet cache next to the application; this check gives one error that names the package
/// to add instead.
/// </summary>
internal static class LibTorchRuntime
{
    private const string CpuLibrary = "torch_cpu";

    /// <summary>Set once libtorch was found; a failed probe is not remembered, so libtorch loaded later still counts.</summary>
    private static volatile bool available;

    /// <summary>
    /// The libtorch version TorchSharp 0.107.0 is built against, as its NuGet packages are versioned. Written here rather
    /// than read from <c>torch.__version__</c>: the first touch of TorchSharp's <c>torch</c> class loads libtorch (its
    /// static constructor), which is what this check must come before. A test pins it to TorchSharp's own.
    /// </summary>
    public const string Version = "2.10.0";

    /// <summary>The CPU libtorch package for this process's operating system and architecture, or null where none is published.</summary>
    public static string? CpuPackageForThisMachine =>
        (OperatingSystem.IsLinux(), OperatingSystem.IsWindows(), OperatingSystem.IsMacOS(), RuntimeInformation.ProcessArchitecture) switch
        {
            (true, _, _, Architecture.X64) => "libtorch-cpu-linux-x64",
            (_, true, _, Architecture.X64) => "libtorch-cpu-win-x64",
            (_, true, _, Architecture.Arm64) => "libtorch-cpu-win-arm64",
            (_, _, true, Architecture.Arm64) => "libtorch-cpu-osx-arm64",
            _ => null,
        };

    /// <summary>Throws unless libtorch can be loaded the way TorchSharp loads it.</summary>
    /// <exception cref="InvalidOperationException">The application references no libtorch package.</exception>
    public static void EnsureAvailable()
    {
        if (available)
        {
            return;
        }

        if (!Probe() && !TorchSharpFindsItInTheNuGetCache())
        {
            throw new InvalidOperationException(MissingMessage(CpuPackageForThisMachine, Version));
        }

        available = true;
    }

    /// <summary>
    /// TorchSharp's own first step: libtorch_cpu by name, resolved like a DllImport of TorchSharp.dll (the application's
    /// deps.json native assets, then the folder of TorchSharp.dll). Every libtorch package, CUDA ones included, has it.
    /// Only the assembly is used, not the <c>torch</c> class, whose static constructor would load libtorch itself.
    /// </summary>
    internal static bool Probe() => NativeLibrary.TryLoad(CpuLibrary, typeof(torch).Assembly, null, out _);

    /// <summary>The error for an application without libtorch, naming the package to add.</summary>
    /// <param name="package">The CPU package for this machine, or null where none is published.</param>
    /// <param name="version">The libtorch version TorchSharp needs.</param>
    internal static string MissingMessage(string? package, string version)
    {
        string add = package is null
            ? $"No libtorch package is published for {RuntimeInformation.OSDescription} on {RuntimeInformation.ProcessArchitecture}; the application can load a libtorch {version} build itself with NativeLibrary.Load before using Microsoft.ML.Inception."
            : $"Add the package for this machine to the application's project: <PackageReference Include=\"{package}\" Version=\"{version}\" />.";
        return $"Microsoft.ML.Inception needs libtorch {version}, the native library TorchSharp runs on, and this application has none. {add} "
            + $"The CPU packages are libtorch-cpu-linux-x64, libtorch-cpu-win-x64, libtorch-cpu-win-arm64 and libtorch-cpu-osx-arm64; with an NVIDIA GPU, libtorch-cuda-12.8-linux-x64 or libtorch-cuda-12.8-win-x64 trains with {nameof(InceptionOptions.Device)} = \"cuda\".";
    }

    /// <summary>
    /// Where TorchSharp.dll itself was loaded from the NuGet cache (a notebook's <c>#r "nuget: ..."</c>), libtorch's package
    /// lies in the cache beside it rather than in an application folder: TorchSharp's own loader looks for it there, so it
    /// decides. Its error is kept as the inner exception. An application's TorchSharp.dll is never in the cache, so an
    /// application without libtorch gets the error above instead of TorchSharp copying libtorch out of the cache.
    /// </summary>
    private static bool TorchSharpFindsItInTheNuGetCache()
    {
        // A package's layout: <packages>/torchsharp/<version>/lib/<framework>/TorchSharp.dll.
        string? framework = Path.GetDirectoryName(typeof(torch).Assembly.Location);
        string? lib = framework is null ? null : Path.GetDirectoryName(framework);
        string? package = lib is null ? null : Path.GetDirectoryName(Path.GetDirectoryName(lib));
        if (!string.Equals(Path.GetFileName(lib), "lib", StringComparison.Ordinal)
            || !string.Equals(Path.GetFileName(package), "torchsharp", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            return true;
        }
        catch (Exception e) when (e is NotSupportedException or TypeInitializationException)
        {
            throw new InvalidOperationException(MissingMessage(CpuPackageForThisMachine, Version), e);
        }
    }
}

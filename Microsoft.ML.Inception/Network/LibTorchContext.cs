using System.Runtime.InteropServices;

namespace Microsoft.ML.Inception;

/// <summary>
/// Two of libtorch's process-wide convolution switches, which TorchSharp 0.107 does not expose:
/// <c>at::globalContext().setUserEnabledMkldnn(bool)</c> (oneDNN; <c>torch.backends.mkldnn.enabled</c> in PyTorch) and
/// <c>setUserEnabledNNPACK(bool)</c> (<c>torch.backends.nnpack.enabled</c>), called through their exported C++ names in
/// libtorch_cpu, which TorchSharp has already loaded.
/// </summary>
internal static unsafe class LibTorchContext
{
    /// <summary>The names of libtorch_cpu and of the exports used here: Itanium C++ names (Linux, macOS), MSVC names (Windows).</summary>
    private static readonly Exports[] Candidates =
    [
        new("libtorch_cpu.so", "_ZN2at13globalContextEv",
            "_ZNK2at7Context17userEnabledMkldnnEv", "_ZN2at7Context20setUserEnabledMkldnnEb",
            "_ZNK2at7Context17userEnabledNNPACKEv", "_ZN2at7Context20setUserEnabledNNPACKEb"),
        new("libtorch_cpu.dylib", "_ZN2at13globalContextEv",
            "_ZNK2at7Context17userEnabledMkldnnEv", "_ZN2at7Context20setUserEnabledMkldnnEb",
            "_ZNK2at7Context17userEnabledNNPACKEv", "_ZN2at7Context20setUserEnabledNNPACKEb"),
        new("torch_cpu.dll", "?globalContext@at@@YAAEAVContext@1@XZ",
            "?userEnabledMkldnn@Context@at@@QEBA_NXZ", "?setUserEnabledMkldnn@Context@at@@QEAAX_N@Z",
            "?userEnabledNNPACK@Context@at@@QEBA_NXZ", "?setUserEnabledNNPACK@Context@at@@QEAAX_N@Z"),
    ];

    private static readonly Lazy<Functions?> Resolved = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Whether the switches can be reached in this process (libtorch_cpu is loaded and exports them).</summary>
    public static bool Available => Resolved.Value is not null;

    /// <summary>Whether libtorch sends CPU convolutions to oneDNN.</summary>
    /// <exception cref="PlatformNotSupportedException">libtorch_cpu does not export the switch (<see cref="Available"/> is false).</exception>
    public static bool OneDnnEnabled
    {
        get => Require().GetOneDnn(Require().Context()) != 0;
        set => Require().SetOneDnn(Require().Context(), value ? (byte)1 : (byte)0);
    }

    /// <summary>Whether libtorch may send CPU convolutions to NNPACK.</summary>
    /// <exception cref="PlatformNotSupportedException">libtorch_cpu does not export the switch (<see cref="Available"/> is false).</exception>
    public static bool NNPackEnabled
    {
        get => Require().GetNNPack(Require().Context()) != 0;
        set => Require().SetNNPack(Require().Context(), value ? (byte)1 : (byte)0);
    }

    private static Functions Require() => Resolved.Value
        ?? throw new PlatformNotSupportedException("libtorch_cpu is not loaded or does not export at::Context's oneDNN and NNPACK switches here.");

    private static Functions? Resolve()
    {
        foreach (Exports candidate in Candidates)
        {
            // TorchSharp loaded libtorch_cpu from its own path; loading it again by name returns that same copy.
            if (!NativeLibrary.TryLoad(candidate.Library, out IntPtr library))
            {
                continue;
            }

            IntPtr[] addresses = new IntPtr[5];
            string[] names = [candidate.Context, candidate.GetOneDnn, candidate.SetOneDnn, candidate.GetNNPack, candidate.SetNNPack];
            bool all = true;
            for (int i = 0; i < names.Length; i++)
            {
                all &= NativeLibrary.TryGetExport(library, names[i], out addresses[i]);
            }

            if (all)
            {
                return new Functions(
                    (delegate* unmanaged<IntPtr>)addresses[0],
                    (delegate* unmanaged<IntPtr, byte>)addresses[1],
                    (delegate* unmanaged<IntPtr, byte, void>)addresses[2],
                    (delegate* unmanaged<IntPtr, byte>)addresses[3],
                    (delegate* unmanaged<IntPtr, byte, void>)addresses[4]);
            }
        }

        return null;
    }

    private sealed record Exports(string Library, string Context, string GetOneDnn, string SetOneDnn, string GetNNPack, string SetNNPack);

    /// <summary>at::globalContext() and the member functions, which take the context as their first argument.</summary>
    private sealed class Functions(
        delegate* unmanaged<IntPtr> context,
        delegate* unmanaged<IntPtr, byte> getOneDnn,
        delegate* unmanaged<IntPtr, byte, void> setOneDnn,
        delegate* unmanaged<IntPtr, byte> getNNPack,
        delegate* unmanaged<IntPtr, byte, void> setNNPack)
    {
        public delegate* unmanaged<IntPtr> Context { get; } = context;

        public delegate* unmanaged<IntPtr, byte> GetOneDnn { get; } = getOneDnn;

        public delegate* unmanaged<IntPtr, byte, void> SetOneDnn { get; } = setOneDnn;

        public delegate* unmanaged<IntPtr, byte> GetNNPack { get; } = getNNPack;

        public delegate* unmanaged<IntPtr, byte, void> SetNNPack { get; } = setNNPack;
    }
}

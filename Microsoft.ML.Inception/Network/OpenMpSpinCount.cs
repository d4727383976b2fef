using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Inception;

/// <summary>
/// How long libtorch's idle OpenMP threads busy-wait for the next parallel loop before they sleep, chosen for machines
/// that are busy as well as quiet, and set before libtorch starts unless the user chose.
/// </summary>
/// <remarks>
/// <para>
/// On Linux libtorch runs its parallel loops on GNU OpenMP (libgomp; libtorch-cpu-linux-x64 2.10 ships it as
/// <c>libgomp-98b21ff3.so.1</c>). Unless told otherwise, an idle libgomp thread spins 300,000 times (a few milliseconds)
/// before it sleeps. On a quiet machine that catches the next of the thousands of short parallel loops of a training step
/// without a wake-up; on a busy one the spinning threads hold the cores that the other processes, and the thread that
/// still has work, are waiting for: training ran 5-7 times slower next to another busy process. <c>OMP_WAIT_POLICY=PASSIVE</c>
/// (sleep at once) avoids that but costs a lot on a quiet machine. A spin count of <see cref="Default"/> (tens of
/// microseconds) still catches a loop that follows closely, but gives the core up long before the scheduler would take it.
/// Measured side by side on this project's 2-core machine (BENCHMARKS.md, "OpenMP threads on a busy machine"), against
/// libgomp's default: next to two busy processes 1.42x (PASSIVE 2.55x), on a machine loaded five to ten times over 14x
/// (PASSIVE about the same), and on a quiet machine 0.81x (PASSIVE 0.56x): a compromise between the two, not free.
/// </para>
/// <para>
/// libgomp reads <c>GOMP_SPINCOUNT</c> and <c>OMP_WAIT_POLICY</c> once, when libtorch is loaded, from the C library's
/// environment, so the default is set there (<c>setenv</c>) from this assembly's module initializer, which runs before any
/// of the library's code and so before it loads libtorch. <see cref="Environment.SetEnvironmentVariable(string, string)"/>
/// does not reach the C environment on Linux; a value set that way before the library loads is copied there, so that it
/// takes effect. A program that calls TorchSharp before it touches this library has started libgomp already: then nothing
/// is set, and <c>Fit</c> logs how to set the variable outside the program.
/// </para>
/// </remarks>
internal static partial class OpenMpSpinCount
{
    /// <summary>libgomp's spin count: spins before an idle thread sleeps (a number, with k/M/G suffixes, or INFINITE).</summary>
    public const string SpinCountVariable = "GOMP_SPINCOUNT";

    /// <summary>The OpenMP standard's wait policy: ACTIVE (spin very long) or PASSIVE (sleep at once); libgomp derives its spin count from it.</summary>
    public const string WaitPolicyVariable = "OMP_WAIT_POLICY";

    /// <summary>The library's spin count, set when neither variable is.</summary>
    public const string Default = "1000";

    /// <summary>libgomp's own spin count when neither variable is set.</summary>
    public const string LibGompDefault = "300000";

    private const string LibC = "libc.so.6";

    /// <summary>What the module initializer did.</summary>
    public enum Outcome
    {
        /// <summary>Not Linux: libtorch uses another OpenMP runtime there, which this does not tune.</summary>
        NotLinux,

        /// <summary>Neither variable was set: <see cref="Default"/> was set.</summary>
        Applied,

        /// <summary>The user set one of the variables; it was left as it is (copied into the C environment if set through .NET only).</summary>
        UserSetting,

        /// <summary>libtorch and its libgomp were already loaded (the program called TorchSharp first), so a variable set now would not be read.</summary>
        StartedBefore,

        /// <summary>The C library's environment functions could not be called.</summary>
        Unavailable,
    }

    /// <summary>What the module initializer did in this process.</summary>
    public static Outcome State { get; private set; } = Outcome.NotLinux;

    /// <summary>
    /// What to do: nothing when the C environment already has either variable (the user's choice, made before the process
    /// started); copy those set only through .NET (<see cref="Environment.SetEnvironmentVariable(string, string)"/>) into the
    /// C environment, so that libgomp sees them; otherwise set <see cref="SpinCountVariable"/> = <see cref="Default"/>.
    /// </summary>
    /// <param name="native">Reads a variable of the C environment.</param>
    /// <param name="managed">Reads a variable of .NET's environment.</param>
    /// <returns><see cref="Outcome.UserSetting"/> or <see cref="Outcome.Applied"/>, and the C environment's variables to set.</returns>
    public static (Outcome Outcome, IReadOnlyList<KeyValuePair<string, string>> ToSet) Plan(Func<string, string?> native, Func<string, string?> managed)
    {
        string[] variables = [SpinCountVariable, WaitPolicyVariable];
        if (variables.Any(v => !string.IsNullOrEmpty(native(v))))
        {
            return (Outcome.UserSetting, []);
        }

        var fromDotnet = variables
            .Select(v => (Name: v, Value: managed(v)))
            .Where(v => !string.IsNullOrEmpty(v.Value))
            .Select(v => KeyValuePair.Create(v.Name, v.Value!))
            .ToList();
        return fromDotnet.Count > 0
            ? (Outcome.UserSetting, fromDotnet)
            : (Outcome.Applied, [KeyValuePair.Create(SpinCountVariable, Default)]);
    }

    /// <summary>A variable of the C library's environment (what libgomp reads), or null; null everywhere but Linux.</summary>
    public static string? NativeVariable(string name) =>
        OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(GetEnvironment(name)) : null;

    /// <summary>A line for <c>Fit</c>'s log, or null where there is nothing to say (not Linux).</summary>
    public static string? Describe() => State switch
    {
        Outcome.Applied => string.Create(CultureInfo.InvariantCulture,
            $"libtorch's OpenMP threads spin {Default} times before they sleep ({SpinCountVariable}={Default}, the library's default, fast on quiet and on busy machines); set {SpinCountVariable} or {WaitPolicyVariable} in the environment to choose otherwise."),
        Outcome.UserSetting => $"libtorch's OpenMP threads wait as the environment says: {string.Join(", ", CurrentSettings())}.",
        Outcome.StartedBefore => string.Create(CultureInfo.InvariantCulture,
            $"libtorch's OpenMP runtime (libgomp) was loaded before Microsoft.ML.Inception, so its threads spin libgomp's default {LibGompDefault} times before they sleep, which slows training several times while other processes keep the cores busy. Set {SpinCountVariable}={Default} in the environment before the program starts, or use the library before calling TorchSharp."),
        Outcome.Unavailable => $"The C library's environment could not be changed, so libtorch's OpenMP threads spin libgomp's default {LibGompDefault} times before they sleep; set {SpinCountVariable}={Default} in the environment before the program starts.",
        _ => null,
    };

    /// <summary>Sets the default before any code of this library can load libtorch.</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "libgomp reads its environment once, when libtorch loads; only a module initializer runs early enough for every use of the library.")]
    internal static void ApplyBeforeLibTorch()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            if (LibTorchLoaded())
            {
                State = Outcome.StartedBefore;
                return;
            }

            // .NET's environment is read first: on Linux it is a copy taken from the C environment when first used, and
            // taking it after the setenv below would pass the library's default on to every child process.
            (Outcome outcome, IReadOnlyList<KeyValuePair<string, string>> toSet) = Plan(NativeVariable, Environment.GetEnvironmentVariable);
            foreach ((string name, string value) in toSet)
            {
                if (SetEnvironment(name, value, 1) != 0)
                {
                    State = Outcome.Unavailable;
                    return;
                }
            }

            State = outcome;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException or UnauthorizedAccessException)
        {
            State = Outcome.Unavailable;
        }
    }

    private static IEnumerable<string> CurrentSettings() =>
        new[] { SpinCountVariable, WaitPolicyVariable }
            .Select(v => (Name: v, Value: NativeVariable(v)))
            .Where(v => v.Value is not null)
            .Select(v => $"{v.Name}={v.Value}");

    /// <summary>Whether libtorch, and with it the libgomp it links to, is mapped into this process already.</summary>
    private static bool LibTorchLoaded() =>
        File.ReadLines("/proc/self/maps").Any(line => line.Contains("/libtorch_cpu.so", StringComparison.Ordinal));

    [LibraryImport(LibC, EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnvironment(string name, string value, int overwrite);

    [LibraryImport(LibC, EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetEnvironment(string name);
}

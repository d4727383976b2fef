using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks a state_dict in TorchSharp's <c>Module.save</c> format before TorchSharp reads it: an entry count, then per
/// entry a name (length-prefixed, as <see cref="BinaryWriter.Write(string)"/> writes it), an element type code, the
/// number of dimensions, each dimension and the raw values; the numbers LEB128-encoded. TorchSharp's <c>Module.load</c>
/// allocates an array of the claimed number of dimensions before reading them (2 GiB for a header claiming 2^28), so
/// every header must describe values that are really there before the stream is handed to it.
/// </summary>
/// <remarks>
/// <c>Module.save</c> writes the parameters first, in the order of <c>parameters()</c>, then the buffers (batch-norm
/// statistics); <see cref="OptimizerStateFormat"/> relies on that order.
/// </remarks>
internal static class StateDictFormat
{
    /// <summary>What is wrong with <paramref name="data"/>, or <see langword="null"/> when every header describes values present in it.</summary>
    /// <param name="data">The state_dict.</param>
    /// <param name="nonFinite">The first value that is NaN or infinite, as "tensor 'fc.weight', element 12", or null when all are finite.</param>
    public static string? Problem(ReadOnlySpan<byte> data, out string? nonFinite)
    {
        var reader = new TorchSharpReader(data);
        nonFinite = null;
        if (!TryReadCount(ref reader, out long count))
        {
            return "does not start with a readable entry count";
        }

        for (long entry = 0; entry < count; entry++)
        {
            if (!TryReadEntry(ref reader, entry, count, out _, out _, out string? problem))
            {
                return problem;
            }
        }

        nonFinite = reader.FirstNonFinite;
        return reader.Remaining == 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"has {reader.Remaining:N0} bytes after its last tensor");
    }

    /// <summary>Every tensor's name and header, in the order stored; <paramref name="data"/> must have passed <see cref="Problem"/>.</summary>
    /// <param name="data">A state_dict that <see cref="Problem"/> found readable.</param>
    public static Dictionary<string, TensorHeader> Headers(ReadOnlySpan<byte> data)
    {
        var reader = new TorchSharpReader(data);
        var headers = new Dictionary<string, TensorHeader>(StringComparer.Ordinal);
        if (TryReadCount(ref reader, out long count))
        {
            for (long entry = 0; entry < count && TryReadEntry(ref reader, entry, count, out string name, out TensorHeader? tensor, out _); entry++)
            {
                headers[name] = tensor;
            }
        }

        return headers;
    }

    /// <summary>Reads the number of entries at the start of a state_dict, which cannot exceed its bytes.</summary>
    public static bool TryReadCount(ref TorchSharpReader reader, out long count) =>
        reader.TryReadNumber(out count) && count <= reader.Remaining;

    /// <summary>Reads entry <paramref name="entry"/> (from 0) of <paramref name="count"/>: its name and its tensor's header, skipping the values.</summary>
    public static bool TryReadEntry(
        ref TorchSharpReader reader, long entry, long count, out string name, [NotNullWhen(true)] out TensorHeader? tensor, [NotNullWhen(false)] out string? problem)
    {
        tensor = null;
        if (!reader.TryReadString(out name))
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"has no readable name for entry {entry + 1} of {count}");
            return false;
        }

        return reader.TrySkipTensor($"tensor '{name}'", out tensor, out problem);
    }
}

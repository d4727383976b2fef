using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Finds NaN and infinity among a tensor's stored values (the raw little-endian bytes of any element type that a weight
/// file, checkpoint or optimiser state may hold), so that weights which cannot be trusted are refused when read.
/// </summary>
internal static class FiniteValues
{
    /// <summary>The index of the first value that is NaN or infinite, or -1 when all are finite (integer and boolean types always are).</summary>
    /// <param name="type">The element type; complex values count each real and imaginary part as one value.</param>
    /// <param name="values">The values, little-endian (as on every machine libtorch runs on), a whole number of elements.</param>
    public static long IndexOfFirstNonFinite(ScalarType type, ReadOnlySpan<byte> values) => type switch
    {
        // A floating-point value is NaN or infinite exactly when its exponent bits are all ones.
        ScalarType.Float32 or ScalarType.ComplexFloat32 => IndexOfAllOnes(MemoryMarshal.Cast<byte, uint>(values), 0x7F80_0000u),
        ScalarType.Float64 or ScalarType.ComplexFloat64 => IndexOfAllOnes(MemoryMarshal.Cast<byte, ulong>(values), 0x7FF0_0000_0000_0000ul),
        ScalarType.Float16 => IndexOfAllOnes(MemoryMarshal.Cast<byte, ushort>(values), (ushort)0x7C00),
        ScalarType.BFloat16 => IndexOfAllOnes(MemoryMarshal.Cast<byte, ushort>(values), (ushort)0x7F80),
        _ => -1,
    };

    private static long IndexOfAllOnes<T>(ReadOnlySpan<T> values, T exponent)
        where T : unmanaged, IBinaryInteger<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if ((values[i] & exponent) == exponent)
            {
                return i;
            }
        }

        return -1;
    }
}

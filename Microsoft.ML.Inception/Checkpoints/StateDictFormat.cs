using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks a state_dict in TorchSharp's <c>Module.save</c> format before TorchSharp reads it: an entry count, then per
/// entry a name (length-prefixed, as <see cref="BinaryWriter.Write(string)"/> writes it), an element type code, the
/// number of dimensions, each dimension and the raw values; the numbers LEB128-encoded. TorchSharp's <c>Module.load</c>
/// allocates an array of the claimed number of dimensions before reading them (2 GiB for a header claiming 2^28), so
/// every header must describe values that are really there before the stream is handed to it.
/// </summary>
internal static class StateDictFormat
{
    /// <summary>GoogLeNet's tensors have at most 4 dimensions; a few more are allowed, not millions.</summary>
    private const int MaxDimensions = 8;

    /// <summary>What is wrong with <paramref name="data"/>, or <see langword="null"/> when every header describes values present in it.</summary>
    public static string? Problem(ReadOnlySpan<byte> data)
    {
        int position = 0;
        if (!TryRead(data, ref position, out long count) || count > data.Length)
        {
            return "does not start with a readable entry count";
        }

        for (long entry = 0; entry < count; entry++)
        {
            if (!TryRead(data, ref position, out long nameLength) || nameLength > data.Length - position)
            {
                return string.Create(CultureInfo.InvariantCulture, $"has no readable name for entry {entry + 1} of {count}");
            }

            string name = Encoding.UTF8.GetString(data.Slice(position, (int)nameLength));
            position += (int)nameLength;
            if (!TryRead(data, ref position, out long type) || ElementSize(type) is not int elementSize)
            {
                return $"gives tensor '{name}' an unknown element type";
            }

            if (!TryRead(data, ref position, out long dimensions))
            {
                return $"has an unreadable shape for tensor '{name}'";
            }

            if (dimensions > MaxDimensions)
            {
                return string.Create(CultureInfo.InvariantCulture, $"claims tensor '{name}' has {dimensions:N0} dimensions (at most {MaxDimensions})");
            }

            var shape = new long[dimensions];
            for (int d = 0; d < dimensions; d++)
            {
                if (!TryRead(data, ref position, out shape[d]))
                {
                    return $"has an unreadable shape for tensor '{name}'";
                }
            }

            // Every value takes at least one byte, so a count of values beyond the bytes left is already too large,
            // and checking it after each dimension keeps the product from overflowing.
            long remaining = data.Length - position;
            long values = 1;
            foreach (long size in shape)
            {
                values = size == 0 ? 0 : values > remaining / size ? remaining + 1 : values * size;
            }

            if (values > remaining || values * elementSize > remaining)
            {
                return string.Create(CultureInfo.InvariantCulture,
                    $"claims tensor '{name}' has shape [{string.Join(", ", shape)}] of {(ScalarType)type}, more than the {remaining:N0} bytes that follow");
            }

            position += (int)(values * elementSize);
        }

        return position == data.Length
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"has {data.Length - position:N0} bytes after its last tensor");
    }

    /// <summary>Reads a non-negative LEB128 number of at most 63 bits (nine bytes), as TorchSharp writes them.</summary>
    private static bool TryRead(ReadOnlySpan<byte> data, ref int position, out long value)
    {
        value = 0;
        for (int shift = 0; shift < 63; shift += 7)
        {
            if (position >= data.Length)
            {
                return false;
            }

            byte b = data[position++];
            value |= (long)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value >= 0;
            }
        }

        return false;
    }

    private static int? ElementSize(long type) => type switch
    {
        (long)ScalarType.Byte or (long)ScalarType.Int8 or (long)ScalarType.Bool => 1,
        (long)ScalarType.Int16 or (long)ScalarType.Float16 or (long)ScalarType.BFloat16 => 2,
        (long)ScalarType.Int32 or (long)ScalarType.Float32 => 4,
        (long)ScalarType.Int64 or (long)ScalarType.Float64 or (long)ScalarType.ComplexFloat32 => 8,
        (long)ScalarType.ComplexFloat64 => 16,
        _ => null,
    };
}

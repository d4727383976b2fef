using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reads the parts of TorchSharp's binary files from bytes that may have been crafted: LEB128 numbers (TorchSharp's
/// encoding of counts, element types and shapes), strings and little-endian values as <see cref="BinaryWriter"/>
/// writes them, and tensors. Nothing is allocated from what the bytes claim: a tensor's header is checked against the
/// bytes that really follow it, and its values are skipped, noting the first that is NaN or infinite.
/// </summary>
internal ref struct TorchSharpReader
{
    /// <summary>GoogLeNet's tensors have at most 4 dimensions; a few more are allowed, not millions.</summary>
    public const int MaxDimensions = 8;

    private readonly ReadOnlySpan<byte> data;
    private int position;

    /// <summary>Starts reading at the first byte of <paramref name="data"/>.</summary>
    public TorchSharpReader(ReadOnlySpan<byte> data) => this.data = data;

    /// <summary>The number of bytes not read yet.</summary>
    public readonly int Remaining => data.Length - position;

    /// <summary>
    /// The first value read so far that is NaN or infinite, as "tensor 'fc.weight', element 12", or <see langword="null"/>
    /// while every floating-point value has been finite.
    /// </summary>
    public string? FirstNonFinite { get; private set; }

    /// <summary>Reads a non-negative LEB128 number of at most 63 bits (nine bytes), as TorchSharp writes them.</summary>
    public bool TryReadNumber(out long value)
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

    /// <summary>Reads a string as <see cref="BinaryWriter.Write(string)"/> writes it: its length in UTF-8 bytes, then those bytes.</summary>
    public bool TryReadString(out string value)
    {
        value = string.Empty;
        if (!TryReadNumber(out long length) || length > Remaining)
        {
            return false;
        }

        value = Encoding.UTF8.GetString(data.Slice(position, (int)length));
        position += (int)length;
        return true;
    }

    /// <summary>Reads a <see cref="bool"/> as <see cref="BinaryWriter.Write(bool)"/> writes it: one byte, 0 or 1.</summary>
    public bool TryReadBoolean(out bool value)
    {
        value = false;
        if (Remaining < 1 || data[position] > 1)
        {
            return false;
        }

        value = data[position++] == 1;
        return true;
    }

    /// <summary>Reads a <see cref="long"/> as <see cref="BinaryWriter.Write(long)"/> writes it: eight bytes, little-endian.</summary>
    public bool TryReadInt64(out long value)
    {
        value = 0;
        if (Remaining < sizeof(long))
        {
            return false;
        }

        value = BinaryPrimitives.ReadInt64LittleEndian(data.Slice(position, sizeof(long)));
        position += sizeof(long);
        return true;
    }

    /// <summary>Reads a <see cref="double"/> as <see cref="BinaryWriter.Write(double)"/> writes it: eight bytes, little-endian.</summary>
    public bool TryReadDouble(out double value)
    {
        bool read = TryReadInt64(out long bits);
        value = BitConverter.Int64BitsToDouble(bits);
        return read;
    }

    /// <summary>
    /// Reads a tensor as TorchSharp's <c>Tensor.Save</c> writes it (an element type code, the number of dimensions and
    /// each dimension, all LEB128, then the raw values) and skips its values, noting in <see cref="FirstNonFinite"/> the
    /// first that is not finite.
    /// </summary>
    /// <param name="description">What the tensor is, for the problem: <c>tensor 'conv1.conv.weight'</c>.</param>
    /// <param name="tensor">The element type and shape the tensor claims, when its values are there.</param>
    /// <param name="problem">What is wrong with the tensor, when it is not readable: "claims ... has 268,435,456 dimensions (at most 8)".</param>
    /// <returns>Whether the tensor is readable: a known element type, at most <see cref="MaxDimensions"/> dimensions and all its values present.</returns>
    public bool TrySkipTensor(string description, [NotNullWhen(true)] out TensorHeader? tensor, [NotNullWhen(false)] out string? problem)
    {
        tensor = null;
        problem = null;
        if (!TryReadNumber(out long type) || ElementSize(type) is not int elementSize)
        {
            problem = $"gives {description} an unknown element type";
            return false;
        }

        if (!TryReadNumber(out long dimensions))
        {
            problem = $"has an unreadable shape for {description}";
            return false;
        }

        if (dimensions > MaxDimensions)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"claims {description} has {dimensions:N0} dimensions (at most {MaxDimensions})");
            return false;
        }

        var shape = new long[dimensions];
        for (int d = 0; d < dimensions; d++)
        {
            if (!TryReadNumber(out shape[d]))
            {
                problem = $"has an unreadable shape for {description}";
                return false;
            }
        }

        // Every value takes at least one byte, so a count of values beyond the bytes left is already too large,
        // and checking it after each dimension keeps the product from overflowing.
        long remaining = Remaining;
        long values = 1;
        foreach (long size in shape)
        {
            values = size == 0 ? 0 : values > remaining / size ? remaining + 1 : values * size;
        }

        var claimed = new TensorHeader((ScalarType)type, shape);
        if (values > remaining || values * elementSize > remaining)
        {
            problem = string.Create(CultureInfo.InvariantCulture, $"claims {description} has shape {claimed}, more than the {remaining:N0} bytes that follow");
            return false;
        }

        int length = (int)(values * elementSize);
        if (FirstNonFinite is null && FiniteValues.IndexOfFirstNonFinite(claimed.Type, data.Slice(position, length)) is long index and >= 0)
        {
            FirstNonFinite = string.Create(CultureInfo.InvariantCulture, $"{description}, element {index:N0}");
        }

        position += length;
        tensor = claimed;
        return true;
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

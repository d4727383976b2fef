using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// One tensor of a weight file as it was stored: element type, shape and raw little-endian bytes, already checked
/// to agree with each other. Turned into a TorchSharp tensor only when it is copied into a network.
/// </summary>
internal sealed record StoredTensor(ScalarType Type, long[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>The most dimensions a stored tensor may declare (GoogLeNet's have at most 4).</summary>
    public const int MaximumDimensions = 16;

    public long ElementCount => Shape.Aggregate(1L, (product, d) => product * d);

    public string ShapeText => FormatShape(Shape);

    /// <summary>A CPU tensor holding a copy of the stored values, in the stored element type.</summary>
    public Tensor ToTensor()
    {
        Tensor tensor = torch.empty(Shape, dtype: Type);
        if (Data.Length > 0)
        {
            // The setter only copies from the span; it never writes to it.
            tensor.bytes = System.Runtime.InteropServices.MemoryMarshal.AsMemory(Data).Span;
        }

        return tensor;
    }

    /// <summary>A copy of a tensor's values (detached, on the CPU, in row-major order).</summary>
    public static StoredTensor From(Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        Tensor values = tensor.detach().cpu().contiguous();
        return new StoredTensor(values.dtype, values.shape.ToArray(), values.bytes.ToArray());
    }

    /// <summary>Bytes per element of the element types a weight file may hold, or null for any other type.</summary>
    public static int? ElementSize(ScalarType type) => type switch
    {
        ScalarType.Byte or ScalarType.Int8 or ScalarType.Bool => 1,
        ScalarType.Int16 or ScalarType.Float16 or ScalarType.BFloat16 => 2,
        ScalarType.Int32 or ScalarType.Float32 => 4,
        ScalarType.Int64 or ScalarType.Float64 => 8,
        _ => null,
    };

    /// <summary>
    /// The number of bytes a tensor of this type and shape takes, or null when a dimension is negative or the
    /// product overflows: checked before anything of that size is allocated.
    /// </summary>
    public static long? ByteLength(int elementSize, IReadOnlyList<long> shape)
    {
        long bytes = elementSize;
        foreach (long d in shape)
        {
            if (d < 0)
            {
                return null;
            }

            try
            {
                bytes = checked(bytes * d);
            }
            catch (OverflowException)
            {
                return null;
            }
        }

        return bytes;
    }

    public static string FormatShape(IEnumerable<long> shape) =>
        "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
}

using System.Globalization;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>The element type and shape that a tensor in one of TorchSharp's files claims, once checked against the bytes that follow it.</summary>
/// <param name="Type">The element type.</param>
/// <param name="Shape">The size of each dimension.</param>
internal sealed record TensorHeader(ScalarType Type, long[] Shape)
{
    /// <summary>Whether <paramref name="other"/> claims the same element type and shape.</summary>
    public bool Matches(TensorHeader other) => Type == other.Type && Shape.AsSpan().SequenceEqual(other.Shape);

    /// <summary>The shape and element type, as in <c>[16, 1, 7, 7] of Float32</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"[{string.Join(", ", Shape)}] of {Type}");
}

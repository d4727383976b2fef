using System.Globalization;
using Onnx;
using static Onnx.AttributeProto.Types;
using static Onnx.TensorProto.Types;

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks that an ONNX model holds only what <see cref="GoogLeNetOnnxExporter"/> writes (through
/// <see cref="OnnxGraphBuilder"/> and <see cref="TestTimeViews"/>): its opsets, its operators with their attributes of
/// their types, initialisers of its element types stored inside the file with exactly the values their shape declares,
/// and nothing ONNX Runtime would read from elsewhere (external data, functions, sparse or training parts).
/// </summary>
/// <remarks>Keep <see cref="Operators"/> in step with the exporter: a model it writes must pass (a test saves one and checks it).</remarks>
internal static class ExportedOnnxCheck
{
    /// <summary>
    /// The most values one initialiser may hold: 2^26 (256 MiB of float). The largest the exporter writes is the
    /// classifier, classes x 1,024 x width: 4 million values for 1,000 classes at width 4.
    /// </summary>
    public const long MaximumInitializerValues = 1L << 26;

    /// <summary>Every operator the exporter writes, by domain and name, with the attributes it gives it and their types.</summary>
    private static readonly Dictionary<(string Domain, string Operator), Dictionary<string, AttributeType>> Operators = new()
    {
        [("", "Sub")] = [],
        [("", "Div")] = [],
        [("", "Relu")] = [],
        [("", "GlobalAveragePool")] = [],
        [("", "Mean")] = [],
        [("", "Squeeze")] = [],
        [("", "Equal")] = [],
        [("", "Identity")] = [],
        [("", "Reshape")] = [],
        [("", "Shape")] = [],
        [("", "Slice")] = [],
        [("", "Pad")] = [],
        [("", "Conv")] = new() { ["kernel_shape"] = AttributeType.Ints, ["strides"] = AttributeType.Ints, ["pads"] = AttributeType.Ints },
        [("", "MaxPool")] = new() { ["kernel_shape"] = AttributeType.Ints, ["strides"] = AttributeType.Ints, ["pads"] = AttributeType.Ints },
        [("", "LRN")] = new() { ["size"] = AttributeType.Int, ["alpha"] = AttributeType.Float, ["beta"] = AttributeType.Float, ["bias"] = AttributeType.Float },
        [("", "Concat")] = new() { ["axis"] = AttributeType.Int },
        [("", "Flatten")] = new() { ["axis"] = AttributeType.Int },
        [("", "Gemm")] = new() { ["transB"] = AttributeType.Int },
        [("", "Softmax")] = new() { ["axis"] = AttributeType.Int },
        [("", "Gather")] = new() { ["axis"] = AttributeType.Int },
        [("", "ReduceMax")] = new() { ["axes"] = AttributeType.Ints, ["keepdims"] = AttributeType.Int },
        [("", "ReduceMean")] = new() { ["axes"] = AttributeType.Ints, ["keepdims"] = AttributeType.Int },
        [("", "Cast")] = new() { ["to"] = AttributeType.Int },
        [("", "Resize")] = new() { ["mode"] = AttributeType.String, ["coordinate_transformation_mode"] = AttributeType.String },
        [(OnnxGraphBuilder.MLDomain, "LabelEncoder")] = new() { ["keys_strings"] = AttributeType.Strings, ["values_int64s"] = AttributeType.Ints, ["default_int64"] = AttributeType.Int },
    };

    /// <summary>What in <paramref name="model"/> the exporter would not have written, or <see langword="null"/>.</summary>
    public static string? Problem(ModelProto model)
    {
        foreach (OperatorSetIdProto opset in model.OpsetImport)
        {
            if (!(opset.Domain.Length == 0 && opset.Version == OnnxGraphBuilder.Opset) && !(opset.Domain == OnnxGraphBuilder.MLDomain && opset.Version == OnnxGraphBuilder.MLOpset))
            {
                return Invariant($"imports opset {opset.Version} of domain '{opset.Domain}'; the library writes opset {OnnxGraphBuilder.Opset} and {OnnxGraphBuilder.MLDomain} {OnnxGraphBuilder.MLOpset} only");
            }
        }

        if (model.Functions.Count > 0 || model.TrainingInfo.Count > 0)
        {
            return "defines functions or training steps, which the library never writes";
        }

        if (model.Graph is not GraphProto graph)
        {
            return "has no graph";
        }

        if (graph.SparseInitializer.Count > 0)
        {
            return "has sparse initializers, which the library never writes";
        }

        foreach (NodeProto node in graph.Node)
        {
            if (!Operators.TryGetValue((node.Domain, node.OpType), out Dictionary<string, AttributeType>? attributes))
            {
                return $"has a node '{node.Name}' of operator {node.OpType}{(node.Domain.Length == 0 ? string.Empty : $" (domain {node.Domain})")}, which the library never writes";
            }

            foreach (AttributeProto attribute in node.Attribute)
            {
                if (!attributes.TryGetValue(attribute.Name, out AttributeType type) || attribute.Type != type || attribute.RefAttrName.Length > 0)
                {
                    return $"gives node '{node.Name}' ({node.OpType}) attribute '{attribute.Name}' of type {attribute.Type}, which the library never writes";
                }
            }
        }

        foreach (TensorProto initializer in graph.Initializer)
        {
            if (InitializerProblem(initializer) is string problem)
            {
                return $"has initializer '{initializer.Name}' that {problem}";
            }
        }

        return null;
    }

    private static string? InitializerProblem(TensorProto tensor)
    {
        // ONNX Runtime reads external data from a file next to the model: for ML.NET, the shared temporary folder.
        if (tensor.DataLocation != DataLocation.Default || tensor.ExternalData.Count > 0)
        {
            return "names external data (a file ONNX Runtime would read from the folder the model is copied to)";
        }

        long values = 1;
        foreach (long size in tensor.Dims)
        {
            if (size < 0)
            {
                return Invariant($"has a negative dimension {size}");
            }

            // Checked after each dimension, so the product cannot overflow.
            values = size == 0 || values == 0 ? 0 : values > MaximumInitializerValues ? values : values * size;
            if (values > MaximumInitializerValues)
            {
                return Invariant($"declares {values:N0} values (shape [{string.Join(", ", tensor.Dims)}]); at most {MaximumInitializerValues:N0} are accepted");
            }
        }

        long stored = (DataType)tensor.DataType switch
        {
            DataType.Float => tensor.RawData.Length > 0 ? tensor.RawData.Length / sizeof(float) : tensor.FloatData.Count,
            DataType.Int64 => tensor.RawData.Length > 0 ? tensor.RawData.Length / sizeof(long) : tensor.Int64Data.Count,
            DataType.String => tensor.StringData.Count,
            _ => -1,
        };
        if (stored < 0)
        {
            return Invariant($"has element type {tensor.DataType}; the library writes float, int64 and string initializers only");
        }

        bool wholeValues = (DataType)tensor.DataType switch
        {
            DataType.Float => tensor.RawData.Length % sizeof(float) == 0,
            DataType.Int64 => tensor.RawData.Length % sizeof(long) == 0,
            _ => true,
        };
        return stored == values && wholeValues
            ? null
            : Invariant($"declares {values:N0} values (shape [{string.Join(", ", tensor.Dims)}]) but holds {stored:N0}");
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

using Google.Protobuf;
using Onnx;

namespace Microsoft.ML.Inception;

/// <summary>A small writer of ONNX graphs (opset 13): nodes, float initialisers and typed inputs/outputs.</summary>
internal sealed class OnnxGraphBuilder
{
    public const int Opset = 13;

    /// <summary>The ONNX-ML operator domain (LabelEncoder and other traditional-ML operators).</summary>
    public const string MLDomain = "ai.onnx.ml";

    /// <summary>The ONNX-ML opset written when a node of that domain is added.</summary>
    public const int MLOpset = 2;
    private readonly GraphProto graph = new() { Name = "GoogLeNet" };
    private int counter;
    private bool usesMLDomain;

    /// <summary>A fresh value name with a readable prefix.</summary>
    public string Name(string prefix) => $"{prefix}_{counter++}";

    public void Input(string name, params long[] dims) => graph.Input.Add(Value(name, TensorProto.Types.DataType.Float, dims));

    public void Output(string name, params long[] dims) => graph.Output.Add(Value(name, TensorProto.Types.DataType.Float, dims));

    public string Initializer(string name, float[] values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        tensor.Dims.AddRange(dims);
        var bytes = new byte[values.Length * sizeof(float)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < bytes.Length; i += 4)
            {
                Array.Reverse(bytes, i, 4);
            }
        }

        tensor.RawData = ByteString.CopyFrom(bytes);
        graph.Initializer.Add(tensor);
        return name;
    }

    public string Int64Initializer(string name, params long[] values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        tensor.Dims.Add(values.Length);
        tensor.Int64Data.AddRange(values);
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A 1-D string initialiser.</summary>
    public string StringInitializer(string name, IReadOnlyList<string> values)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.String };
        tensor.Dims.Add(values.Count);
        tensor.StringData.AddRange(values.Select(ByteString.CopyFromUtf8));
        graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>Adds a node; attributes are (name, value) with value a long, float, string, long[] or string[].</summary>
    public string Node(string op, string[] inputs, string output, params (string Name, object Value)[] attributes) =>
        Node(op, string.Empty, output, inputs, output, attributes);

    /// <summary>Adds a node of an operator domain under a node name of its own.</summary>
    public string Node(string op, string domain, string nodeName, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Domain = domain, Name = nodeName };
        usesMLDomain |= domain == MLDomain;
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        foreach ((string name, object value) in attributes)
        {
            node.Attribute.Add(value switch
            {
                long l => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = l },
                float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
                string text => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(text) },
                long[] ls => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ls } },
                string[] ss => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Strings, Strings = { ss.Select(ByteString.CopyFromUtf8) } },
                _ => throw new ArgumentException($"Unsupported attribute type {value.GetType()} for {name}."),
            });
        }

        graph.Node.Add(node);
        return output;
    }

    public byte[] ToBytes(string producerVersion)
    {
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Microsoft.ML.Inception",
            ProducerVersion = producerVersion,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = Opset });
        if (usesMLDomain)
        {
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = MLDomain, Version = MLOpset });
        }

        // A server checks it before loading a model it did not train (InceptionModel.Verify).
        OnnxModelHash.Record(model);
        return model.ToByteArray();
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (long d in dims)
        {
            shape.Dim.Add(d < 0
                ? new TensorShapeProto.Types.Dimension { DimParam = "N" }
                : new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }
}

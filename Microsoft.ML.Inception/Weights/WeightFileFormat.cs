namespace Microsoft.ML.Inception;

/// <summary>The two weight-file formats the library reads and writes.</summary>
internal enum WeightFileFormat
{
    /// <summary>Hugging Face's safetensors: a JSON header and raw little-endian tensor data; cannot run code when loaded.</summary>
    SafeTensors,

    /// <summary>What TorchSharp's <c>Module.save</c> writes and <c>Module.load</c> reads (a checkpoint's <c>weights.bin</c>).</summary>
    TorchSharp,
}

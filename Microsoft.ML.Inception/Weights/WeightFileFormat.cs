namespace Microsoft.ML.Inception;

/// <summary>The weight-file formats the library reads (all three) and writes (the first two).</summary>
internal enum WeightFileFormat
{
    /// <summary>Hugging Face's safetensors: a JSON header and raw little-endian tensor data; cannot run code when loaded.</summary>
    SafeTensors,

    /// <summary>What TorchSharp's <c>Module.save</c> writes and <c>Module.load</c> reads (a checkpoint's <c>weights.bin</c>).</summary>
    TorchSharp,

    /// <summary>A state dict saved by PyTorch's <c>torch.save</c> (<c>.pth</c>, <c>.pt</c>), read by <see cref="PyTorchCheckpointFormat"/> without running its pickle.</summary>
    PyTorch,
}

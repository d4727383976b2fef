namespace Microsoft.ML.Inception;

/// <summary>What <see cref="InceptionModel.Verify(string)"/> found in a model zip that passed every check.</summary>
public sealed class VerifiedInceptionModel
{
    internal VerifiedInceptionModel(IReadOnlyList<string> onnxSha256) => OnnxSha256 = onnxSha256;

    /// <summary>
    /// The SHA-256 (64 lower-case hexadecimal digits) this library recorded in each ONNX network of the zip when it
    /// exported it, in the order of the zip's entries; each matched the network's bytes. A server that knows the hash of
    /// the model it means to serve (published next to the model, for example) compares it with these.
    /// </summary>
    public IReadOnlyList<string> OnnxSha256 { get; }
}

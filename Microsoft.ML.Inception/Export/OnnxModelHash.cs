using System.Security.Cryptography;
using Google.Protobuf;
using Onnx;

namespace Microsoft.ML.Inception;

/// <summary>
/// The SHA-256 an exported ONNX model carries in its own metadata (<c>metadata_props</c>, key <see cref="Key"/>): the hash
/// of the model's bytes without that entry. ML.NET copies the ONNX bytes into a model zip unchanged, so the hash recorded
/// at export travels with every saved model; <see cref="InceptionModel.Verify"/> recomputes it.
/// </summary>
/// <remarks>
/// The hash finds damage and edits made by tools that do not know it (which keep the metadata they do not understand);
/// it cannot prove who wrote the file, since anyone can record a new one. A server that must know it serves its own model
/// compares the hash with one it received from a trusted place.
/// </remarks>
internal static class OnnxModelHash
{
    /// <summary>The metadata key the hash is recorded under.</summary>
    public const string Key = "Microsoft.ML.Inception.Sha256";

    /// <summary>Records the hash of <paramref name="model"/> (which must not hold one yet) in its metadata.</summary>
    public static void Record(ModelProto model) =>
        model.MetadataProps.Add(new StringStringEntryProto { Key = Key, Value = Compute(model) });

    /// <summary>The hash of <paramref name="model"/>'s bytes without any entry <see cref="Key"/>, as 64 lower-case hexadecimal digits.</summary>
    public static string Compute(ModelProto model)
    {
        ModelProto without = model.Clone();
        for (int i = without.MetadataProps.Count - 1; i >= 0; i--)
        {
            if (without.MetadataProps[i].Key == Key)
            {
                without.MetadataProps.RemoveAt(i);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(without.ToByteArray()));
    }
}

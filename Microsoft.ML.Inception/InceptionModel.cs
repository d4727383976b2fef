using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using Google.Protobuf;
using Onnx;

namespace Microsoft.ML.Inception;

/// <summary>Checks on model zips (written by <c>mlContext.Model.Save</c>) that a server runs before loading one it did not train.</summary>
public static class InceptionModel
{
    /// <summary>The most bytes one entry of a model zip may unpack to: 1 GiB (a full-width GoogLeNet's ONNX takes 28 MB).</summary>
    public const long MaximumEntryBytes = 1L << 30;

    /// <summary>The most bytes all entries of a model zip together may unpack to: 4 GiB.</summary>
    public const long MaximumTotalBytes = 4L << 30;

    /// <summary>The last part of the name under which ML.NET's <c>ApplyOnnxModel</c> stores its ONNX model in a zip.</summary>
    private const string OnnxEntryName = "OnnxModel";

    /// <summary>
    /// Checks a model zip before <c>mlContext.Model.Load</c> reads it, for a server that loads models it did not train:
    /// ML.NET and ONNX Runtime load a damaged or crafted zip without a word. The checks: the zip has no two entries of
    /// one name; every entry unpacks to the size and CRC-32 its header records, at most <see cref="MaximumEntryBytes"/>
    /// each and <see cref="MaximumTotalBytes"/> in all (every entry is read in full); it holds at least one ONNX network,
    /// and every one holds only what this library's exporter writes (its opsets, operators and their attributes,
    /// float, int64 and string initializers of at most 2^26 values stored in the file, no external data, functions or
    /// training parts) and carries the SHA-256 this library recorded when it exported it, which its bytes still match.
    /// </summary>
    /// <remarks>
    /// <para>Run it on the file itself right before loading it, so that what is checked is what is loaded. Nothing is
    /// extracted or written; the ONNX networks are read into memory one at a time.</para>
    /// <para>The recorded hash finds damage and edits by tools that do not know about it; anyone can record a new hash,
    /// so it does not prove who wrote the file. To serve only your own models, compare
    /// <see cref="VerifiedInceptionModel.OnnxSha256"/> with the hash you published with the model (the same value is
    /// in the ONNX file <see cref="InceptionTransformer.SaveOnnx(string)"/> writes, metadata key
    /// <c>Microsoft.ML.Inception.Sha256</c>). Models saved before the library recorded hashes fail this check: save
    /// them again.</para>
    /// <para>Other transformers of the pipeline (image loading, the label head) are ML.NET's and are not checked here.</para>
    /// </remarks>
    /// <param name="path">The model zip.</param>
    /// <returns>What was found: the recorded SHA-256 of each ONNX network.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="InvalidDataException">The file fails a check; the message names the file, the entry and the problem.</exception>
    public static VerifiedInceptionModel Verify(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using FileStream stream = File.OpenRead(path);
        ZipArchive archive;
        try
        {
            archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"'{path}' is not a model zip: {e.Message}", e);
        }

        using (archive)
        {
            ZipEntryNames.RequireUnique(archive, $"'{path}'", "a model zip");
            var hashes = new List<string>();
            long total = 0;
            foreach (ZipArchiveEntry entry in archive.Entries)
            {
                bool onnx = string.Equals(entry.FullName.Replace('\\', '/').Split('/')[^1], OnnxEntryName, StringComparison.OrdinalIgnoreCase);
                byte[]? bytes = ReadEntry(entry, path, keep: onnx, ref total);
                if (bytes is not null)
                {
                    hashes.Add(CheckOnnx(bytes, entry.FullName, path));
                }
            }

            if (hashes.Count == 0)
            {
                throw new InvalidDataException($"'{path}' holds no ONNX network ({OnnxEntryName} entry): it is not a model of this library.");
            }

            return new VerifiedInceptionModel(hashes);
        }
    }

    /// <summary>Reads an entry in full, checking its size and CRC-32 against its header and the limits; returns its bytes when <paramref name="keep"/>.</summary>
    private static byte[]? ReadEntry(ZipArchiveEntry entry, string path, bool keep, ref long total)
    {
        string Problem(FormattableString what) => string.Create(CultureInfo.InvariantCulture, $"'{path}' failed verification: its entry '{entry.FullName}' {what}.");
        if (entry.Length > MaximumEntryBytes || total + entry.Length > MaximumTotalBytes)
        {
            throw new InvalidDataException(Problem($"unpacks to {entry.Length:N0} bytes; at most {MaximumEntryBytes:N0} per entry and {MaximumTotalBytes:N0} in all are accepted"));
        }

        using MemoryStream? copy = keep ? new MemoryStream((int)entry.Length) : null;
        byte[] buffer = new byte[81920];
        var crc = new System.IO.Hashing.Crc32();
        long length = 0;
        try
        {
            using Stream data = entry.Open();
            int read;
            while ((read = data.Read(buffer, 0, buffer.Length)) > 0)
            {
                length += read;
                if (length > entry.Length)
                {
                    break;
                }

                crc.Append(buffer.AsSpan(0, read));
                copy?.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException e)
        {
            // .NET checks the CRC and size itself when an entry is read to its end.
            throw new InvalidDataException(Problem($"is damaged: its bytes do not match the CRC-32 or size the zip records ({e.Message})"), e);
        }

        if (length != entry.Length)
        {
            throw new InvalidDataException(Problem($"unpacks to {(length > entry.Length ? "more than" : "only")} {length:N0} bytes where the zip records {entry.Length:N0}"));
        }

        if (crc.GetCurrentHashAsUInt32() != entry.Crc32)
        {
            throw new InvalidDataException(Problem($"is damaged: its bytes have CRC-32 {crc.GetCurrentHashAsUInt32():x8}, the zip records {entry.Crc32:x8}"));
        }

        total += length;
        return copy?.ToArray();
    }

    /// <summary>Checks the ONNX network of an <see cref="OnnxEntryName"/> entry (ML.NET stores its length, a 32-bit integer, then its bytes); returns its recorded hash.</summary>
    private static string CheckOnnx(byte[] entry, string name, string path)
    {
        string Failure(string what) => $"'{path}' failed verification: the ONNX network in its entry '{name}' {what}.";
        if (entry.Length < sizeof(int) || BinaryPrimitives.ReadInt32LittleEndian(entry) != entry.Length - sizeof(int))
        {
            throw new InvalidDataException(Failure("does not have the length ML.NET stored before it"));
        }

        ModelProto model;
        try
        {
            model = ModelProto.Parser.ParseFrom(entry.AsSpan(sizeof(int)));
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new InvalidDataException(Failure($"cannot be read ({e.Message})"), e);
        }

        if (ExportedOnnxCheck.Problem(model) is string problem)
        {
            throw new InvalidDataException(Failure(problem));
        }

        string[] recorded = [.. model.MetadataProps.Where(p => p.Key == OnnxModelHash.Key).Select(p => p.Value)];
        if (recorded.Length != 1)
        {
            throw new InvalidDataException(Failure($"carries {(recorded.Length == 0 ? "no" : "more than one")} SHA-256 recorded by this library (metadata '{OnnxModelHash.Key}'): it was not exported by this version of the library, or was saved before it recorded hashes (save such a model again)"));
        }

        string actual = OnnxModelHash.Compute(model);
        if (!string.Equals(actual, recorded[0], StringComparison.Ordinal))
        {
            throw new InvalidDataException(Failure($"was changed after the library exported it: its SHA-256 is {actual}, the one recorded at export {recorded[0]}"));
        }

        return actual;
    }
}

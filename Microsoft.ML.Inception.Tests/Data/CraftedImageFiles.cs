using System.Buffers.Binary;
using System.IO.Compression;
using SkiaSharp;

namespace Microsoft.ML.Inception.Tests.Data;

/// <summary>
/// Image files written byte by byte for the hostile-file tests: a PNG whose header declares far more pixels than its
/// data hold (a decompression bomb's header, without the bomb), and a JPEG carrying an EXIF orientation.
/// </summary>
internal static class CraftedImageFiles
{
    /// <summary>
    /// An 8-bit grey PNG whose IHDR declares <paramref name="width"/> x <paramref name="height"/> pixels but whose IDAT
    /// holds only the first <paramref name="rows"/> rows (black): a valid header with correct CRCs and a valid zlib
    /// stream, a few hundred bytes in all. A decoder that trusts the header allocates the declared size.
    /// </summary>
    public static byte[] PngDeclaring(int width, int height, int rows = 4)
    {
        var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

        byte[] header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;   // bit depth
        header[9] = 0;   // colour type: grey; compression, filter and interlace methods 0
        WriteChunk(png, "IHDR", header);

        var pixels = new MemoryStream();
        using (var zlib = new ZLibStream(pixels, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            byte[] row = new byte[1 + width];   // filter type 0, then the row's pixels
            for (int i = 0; i < rows; i++)
            {
                zlib.Write(row);
            }
        }

        WriteChunk(png, "IDAT", pixels.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    /// <summary>
    /// A <paramref name="width"/> x <paramref name="height"/> JPEG whose top-left quarter is red and the rest blue, with an
    /// EXIF APP1 segment (big-endian TIFF, one IFD entry) giving <paramref name="orientation"/> (1-8; 6 means "rotate
    /// 90 degrees clockwise to display", as phones write portrait photos).
    /// </summary>
    public static byte[] JpegWithOrientation(int width, int height, ushort orientation)
    {
        using var bitmap = new SKBitmap(width, height, SKColorType.Bgra8888, SKAlphaType.Opaque);
        using (var canvas = new SKCanvas(bitmap))
        {
            using var red = new SKPaint { Color = SKColors.Red };
            canvas.Clear(SKColors.Blue);
            canvas.DrawRect(0, 0, width / 2, height / 2, red);
        }

        byte[] jpeg = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100).ToArray();

        // "Exif\0\0", then TIFF: "MM", 42, offset 8 of the first IFD; one entry: tag 0x0112 (Orientation), type 3
        // (SHORT), count 1, the value in the first two of four bytes; no next IFD.
        byte[] exif =
        [
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0, 42, 0, 0, 0, 8,
            0, 1,
            0x01, 0x12, 0, 3, 0, 0, 0, 1, (byte)(orientation >> 8), (byte)orientation, 0, 0,
            0, 0, 0, 0,
        ];
        byte[] segment = new byte[4 + exif.Length];
        segment[0] = 0xFF;
        segment[1] = 0xE1;
        BinaryPrimitives.WriteUInt16BigEndian(segment.AsSpan(2), (ushort)(2 + exif.Length));
        exif.CopyTo(segment, 4);

        // After SOI and, when the encoder wrote one, the JFIF APP0 segment (which must come first).
        int at = 2;
        if (jpeg[2] == 0xFF && jpeg[3] == 0xE0)
        {
            at = 4 + BinaryPrimitives.ReadUInt16BigEndian(jpeg.AsSpan(4));
        }

        return [.. jpeg[..at], .. segment, .. jpeg[at..]];
    }

    private static void WriteChunk(Stream png, string type, byte[] data)
    {
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(number, data.Length);
        png.Write(number);
        byte[] typeAndData = [.. type.Select(c => (byte)c), .. data];
        png.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(number, Crc32(typeAndData));
        png.Write(number);
    }

    /// <summary>The CRC-32 of PNG chunks (ISO 3309, as zlib's crc32).</summary>
    private static uint Crc32(ReadOnlySpan<byte> bytes) => System.IO.Hashing.Crc32.HashToUInt32(bytes);
}

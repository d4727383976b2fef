using System.Globalization;
using SkiaSharp;

namespace Microsoft.ML.Inception;

/// <summary>
/// What an image file's header declares, read by SkiaSharp (the decoder ML.NET's <c>LoadImages</c> uses) without
/// decoding a pixel: the size, which a decoder allocates before it reads the data (a PNG of a few hundred bytes can
/// declare 50000x50000 pixels, 10 GB as BGRA), and the EXIF orientation of a JPEG.
/// </summary>
/// <param name="Width">Width in pixels as stored.</param>
/// <param name="Height">Height in pixels as stored.</param>
/// <param name="Origin">The EXIF orientation: how the stored pixels are turned for display.</param>
internal readonly record struct ImageHeader(int Width, int Height, SKEncodedOrigin Origin)
{
    /// <summary>The number of pixels the header declares.</summary>
    public long Pixels => (long)Width * Height;

    /// <summary>Whether the stored pixels must be turned or mirrored to show the picture as a viewer does.</summary>
    public bool IsTurned => Origin != SKEncodedOrigin.TopLeft;

    /// <summary>The header of the file at <paramref name="path"/>, or null for a missing, unreadable or non-image file; never throws.</summary>
    public static ImageHeader? TryRead(string path)
    {
        try
        {
            using SKCodec? codec = SKCodec.Create(path);
            return codec is null ? null : new ImageHeader(codec.Info.Width, codec.Info.Height, codec.EncodedOrigin);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A check must not fail on the file it checks: whatever SkiaSharp or the file system throws means "unreadable".
            return null;
        }
    }

    /// <summary>Why the file is not decoded when it declares more than <paramref name="maximumPixels"/>, or null when it does not.</summary>
    public string? RefusalAbove(long maximumPixels) => Pixels <= maximumPixels
        ? null
        : string.Create(CultureInfo.InvariantCulture,
            $"The file declares {Width}x{Height} pixels ({Pixels / 1e6:0.#} megapixels), more than {nameof(InceptionOptions.MaximumImagePixels)} ({maximumPixels:N0}); it was not decoded.");
}

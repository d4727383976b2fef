using System.Globalization;
using Microsoft.ML.Data;
using SkiaSharp;

namespace Microsoft.ML.Inception;

/// <summary>
/// Image files checked, or loaded, before they are trained on or scored. ML.NET's <c>LoadImages</c> decodes with
/// SkiaSharp and trusts the file: it reports a file cut short after its header as "incomplete input" and returns the
/// missing rows grey without an error, allocates whatever size a header declares (a PNG of a few hundred kilobytes
/// declaring 30000x30000 pixels aborts the process), and ignores a JPEG's EXIF orientation (a phone's portrait photo
/// arrives on its side). <see cref="DecodesCompletely(string, long)"/> tells such files apart, reading the header's
/// size before decoding anything, and <see cref="Load(string, long)"/> decodes a file as a viewer shows it.
/// </summary>
public static class InceptionImageFile
{
    /// <summary>
    /// The default pixel budget of <see cref="DecodesCompletely(string)"/>, <see cref="Load(string)"/> and
    /// <see cref="InceptionOptions.MaximumImagePixels"/>: 50 megapixels (8660x5774, for example; 200 MB as BGRA),
    /// above any camera's photo and far below the sizes decompression bombs declare.
    /// </summary>
    public const long DefaultMaximumPixels = 50_000_000;

    /// <summary>
    /// True when SkiaSharp, the decoder <c>LoadImages</c> uses, decodes every pixel of the file: false for a missing,
    /// empty, unreadable or non-image file, for one whose data end early (a truncated JPEG or PNG), and for one whose
    /// header declares more than <see cref="DefaultMaximumPixels"/> pixels, which is not decoded. Never throws for a bad file.
    /// </summary>
    /// <param name="path">The image file's path.</param>
    /// <returns>Whether the whole file decodes within the budget.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public static bool DecodesCompletely(string path) => DecodesCompletely(path, DefaultMaximumPixels);

    /// <summary>
    /// True when SkiaSharp, the decoder <c>LoadImages</c> uses, decodes every pixel of the file: false for a missing,
    /// empty, unreadable or non-image file, for one whose data end early (a truncated JPEG or PNG), and for one whose
    /// header declares more than <paramref name="maximumPixels"/> pixels, which is not decoded. The header is read
    /// first; JPEGs are then decoded at the 1/8 scale their DCT gives almost for free, and every row of the file is
    /// still read. Never throws for a bad file.
    /// </summary>
    /// <param name="path">The image file's path.</param>
    /// <param name="maximumPixels">The most pixels (width times height, as the header declares them) a file may have.</param>
    /// <returns>Whether the whole file decodes within the budget.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumPixels"/> is less than 1.</exception>
    public static bool DecodesCompletely(string path, long maximumPixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPixels, 1);
        try
        {
            using SKCodec? codec = SKCodec.Create(path);
            if (codec is null || (long)codec.Info.Width * codec.Info.Height > maximumPixels)
            {
                return false;
            }

            SKSizeI size = codec.GetScaledDimensions(1f / 8);
            var info = new SKImageInfo(size.Width, size.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap(info);
            return codec.GetPixels(info, bitmap.GetPixels()) == SKCodecResult.Success;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // SkiaSharp throws a plain Exception ("Unable to allocate pixels") where memory runs short; the file
            // system throws its own. A check answers for every file.
            return false;
        }
    }

    /// <summary>
    /// Reads the width and height an image file's header declares (as stored, before any EXIF orientation), without
    /// decoding it. Never throws for a bad file.
    /// </summary>
    /// <param name="path">The image file's path.</param>
    /// <param name="width">The declared width in pixels, or 0.</param>
    /// <param name="height">The declared height in pixels, or 0.</param>
    /// <returns>False for a missing, unreadable or non-image file.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    public static bool TryReadSize(string path, out int width, out int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ImageHeader? header = ImageHeader.TryRead(path);
        (width, height) = header is ImageHeader h ? (h.Width, h.Height) : (0, 0);
        return header is not null;
    }

    /// <summary>
    /// Decodes an image file as a viewer shows it, within <see cref="DefaultMaximumPixels"/>; see <see cref="Load(string, long)"/>.
    /// </summary>
    /// <param name="path">The image file's path.</param>
    /// <returns>The image; the caller disposes it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder.</exception>
    /// <exception cref="InvalidDataException">The file is not an image, declares more pixels than the budget, or does not decode completely.</exception>
    public static MLImage Load(string path) => Load(path, DefaultMaximumPixels);

    /// <summary>
    /// Decodes an image file as a viewer shows it: a JPEG's EXIF orientation is applied (a portrait photo that a phone
    /// stored landscape with orientation 6 comes out portrait), which <c>LoadImages</c> does not do. Otherwise the pixels
    /// are exactly those <c>LoadImages</c> gives. The header's size is checked against <paramref name="maximumPixels"/>
    /// before anything is decoded, and a file that does not decode completely is refused rather than filled with grey.
    /// Use it to build an <see cref="MLImage"/> column (<c>LoadFromEnumerable</c> of rows with an <see cref="MLImage"/>
    /// property, then <c>ResizeImages</c>), for training and scoring alike.
    /// </summary>
    /// <param name="path">The image file's path.</param>
    /// <param name="maximumPixels">The most pixels (width times height, as the header declares them) the file may have.</param>
    /// <returns>The image; the caller disposes it.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maximumPixels"/> is less than 1.</exception>
    /// <exception cref="FileNotFoundException">There is no such file, or the path is a folder.</exception>
    /// <exception cref="InvalidDataException">The file is not an image, declares more pixels than the budget, or does not decode completely.</exception>
    public static MLImage Load(string path, long maximumPixels)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(maximumPixels, 1);
        UserFile.RequireExisting(path, "image");
        using SKCodec codec = SKCodec.Create(path)
            ?? throw new InvalidDataException($"'{path}' is not an image SkiaSharp can decode (empty, damaged or of another format).");
        var header = new ImageHeader(codec.Info.Width, codec.Info.Height, codec.EncodedOrigin);
        if (header.RefusalAbove(maximumPixels) is string refusal)
        {
            throw new InvalidDataException($"'{path}': {refusal}");
        }

        // As SKBitmap.Decode, and so LoadImages, decodes: the codec's own colour type, premultiplied, no colour space.
        SKImageInfo info = codec.Info.WithColorSpace(null);
        if (info.AlphaType == SKAlphaType.Unpremul)
        {
            info = info.WithAlphaType(SKAlphaType.Premul);
        }

        using var decoded = new SKBitmap(info);
        SKCodecResult result = codec.GetPixels(info, decoded.GetPixels());
        if (result != SKCodecResult.Success)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture, $"'{path}' does not decode completely ({result}): it ends early or is damaged."));
        }

        // MLImage holds BGRA or RGBA; other colour types (grey, 16-bit) are converted as MLImage itself converts them.
        using SKBitmap fourChannel = decoded.ColorType is SKColorType.Bgra8888 or SKColorType.Rgba8888 ? decoded.Copy() : decoded.Copy(SKColorType.Bgra8888);
        SKBitmap upright = ExifOrientation.Apply(fourChannel, header.Origin);
        try
        {
            MLPixelFormat format = upright.ColorType == SKColorType.Rgba8888 ? MLPixelFormat.Rgba32 : MLPixelFormat.Bgra32;
            return MLImage.CreateFromPixels(upright.Width, upright.Height, format, upright.GetPixelSpan());
        }
        finally
        {
            if (!ReferenceEquals(upright, fourChannel))
            {
                upright.Dispose();
            }
        }
    }
}

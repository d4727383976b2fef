using SkiaSharp;

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks on image files before they are trained on. ML.NET's <c>LoadImages</c> decodes with SkiaSharp, which reports
/// a file cut short after its header as "incomplete input" and fills the missing rows in; <c>LoadImages</c> then
/// returns that half-grey picture without an error. <see cref="DecodesCompletely"/> tells such files apart.
/// </summary>
public static class InceptionImageFile
{
    /// <summary>
    /// True when SkiaSharp, the decoder <c>LoadImages</c> uses, decodes every pixel of the file: false for a missing,
    /// empty, unreadable or non-image file and for one whose data end early (a truncated JPEG or PNG). JPEGs are
    /// decoded at the 1/8 scale their DCT gives almost for free; every row of the file is still read.
    /// </summary>
    /// <param name="path">The image file's path.</param>
    /// <returns>Whether the whole file decodes.</returns>
    public static bool DecodesCompletely(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            using SKCodec? codec = SKCodec.Create(path);
            if (codec is null)
            {
                return false;
            }

            SKSizeI size = codec.GetScaledDimensions(1f / 8);
            var info = new SKImageInfo(size.Width, size.Height, SKColorType.Bgra8888, SKAlphaType.Premul);
            using var bitmap = new SKBitmap(info);
            return codec.GetPixels(info, bitmap.GetPixels()) == SKCodecResult.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}

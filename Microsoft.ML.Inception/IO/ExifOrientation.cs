using SkiaSharp;

namespace Microsoft.ML.Inception;

/// <summary>
/// Turns decoded pixels as their EXIF orientation says, so a picture reads as every viewer shows it. SkiaSharp reports
/// the orientation (<see cref="SKCodec.EncodedOrigin"/>) but its decoders do not apply it, and neither does ML.NET.
/// </summary>
internal static class ExifOrientation
{
    /// <summary>
    /// A new bitmap holding <paramref name="stored"/> turned by <paramref name="origin"/> (width and height swapped for
    /// orientations 5-8), or <paramref name="stored"/> itself for <see cref="SKEncodedOrigin.TopLeft"/>. The pixels are
    /// moved, not resampled: every one lands exactly on another.
    /// </summary>
    public static SKBitmap Apply(SKBitmap stored, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft)
        {
            return stored;
        }

        int w = stored.Width;
        int h = stored.Height;
        bool swapped = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

        // Where a stored pixel (x, y) goes: x' = ScaleX x + SkewX y + TransX, y' = SkewY x + ScaleY y + TransY.
        SKMatrix matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),      // 2: mirrored left to right
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),  // 3: turned 180 degrees
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),    // 4: mirrored top to bottom
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),        // 5: transposed
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),      // 6: turned 90 degrees clockwise
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),  // 7: transposed the other way
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),    // 8: turned 90 degrees anticlockwise
            _ => SKMatrix.Identity,
        };

        var turned = new SKBitmap(stored.Info.WithSize(swapped ? h : w, swapped ? w : h));
        using var canvas = new SKCanvas(turned);
        using var paint = new SKPaint { BlendMode = SKBlendMode.Src };
        canvas.SetMatrix(matrix);
        canvas.DrawBitmap(stored, 0, 0, paint);
        return turned;
    }
}

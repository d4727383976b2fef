using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Samples;

/// <summary>A grey image (one byte per pixel) as an ML.NET <see cref="MLImage"/>: the grey value in all three colour channels, opaque.</summary>
internal static class GreyImage
{
    public static MLImage ToMLImage(ReadOnlySpan<byte> grey, int width, int height)
    {
        byte[] bgra = new byte[grey.Length * 4];
        for (int p = 0; p < grey.Length; p++)
        {
            bgra[(p * 4) + 0] = bgra[(p * 4) + 1] = bgra[(p * 4) + 2] = grey[p];
            bgra[(p * 4) + 3] = byte.MaxValue;
        }

        return MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
    }
}

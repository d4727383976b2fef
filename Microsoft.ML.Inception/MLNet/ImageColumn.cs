using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.Inception;

/// <summary>What the image column holds: ML.NET images of a fixed size, or planar pixel vectors.</summary>
/// <param name="IsImage">True for an <see cref="ImageDataViewType"/> column, false for a float vector.</param>
/// <param name="Channels">Channels as stored (3 for images, whose pixels are extracted as RGB; 1 or 3 for vectors).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Width">Image width in pixels.</param>
internal sealed record ImageColumn(bool IsImage, int Channels, int Height, int Width)
{
    /// <summary>What the image column may hold, as schema errors word it.</summary>
    public const string ExpectedType = "image (LoadImages + ResizeImages) or known-size vector of Single (ExtractPixels)";

    public int PixelsPerImage => Channels * Height * Width;

    /// <summary>Checks the image column of <paramref name="schema"/> and works out its layout.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The column is missing, of the wrong type, of unknown or unexpected size.</exception>
    public static ImageColumn Inspect(DataViewSchema schema, InceptionOptions options, IDataView? data = null)
    {
        string name = options.ImageColumnName;
        DataViewSchema.Column column = schema.GetColumnOrNull(name)
            ?? throw SchemaErrors.Missing("image", name);

        switch (column.Type)
        {
            case ImageDataViewType image:
                if (image.Height <= 0 || image.Width <= 0)
                {
                    string first = data is null ? string.Empty : FirstImageSize(data, column);
                    throw new ArgumentOutOfRangeException(
                        "inputSchema",
                        $"Images in column '{name}' have no fixed size{first}; append mlContext.Transforms.ResizeImages(\"{name}\", width, height) before Inception{ExpectedSize(options)}.");
                }

                return Checked(new ImageColumn(true, 3, image.Height, image.Width), options);

            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single && vector.IsKnownSize:
                return Checked(FromVector(vector, options), options);

            default:
                throw SchemaErrors.Mismatch("image", name, ExpectedType, column.Type);
        }
    }

    /// <summary>Throws unless a second data set (validation data) has the same image layout as training.</summary>
    public void RequireSame(ImageColumn other, string what)
    {
        if (other != this)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                string.Create(CultureInfo.InvariantCulture, $"Schema mismatch for image column in {what}: expected {Describe()}, got {other.Describe()}."));
        }
    }

    public string Describe() => IsImage
        ? string.Create(CultureInfo.InvariantCulture, $"{Width}x{Height} images")
        : string.Create(CultureInfo.InvariantCulture, $"{Channels}x{Height}x{Width} pixel vectors");

    private static ImageColumn FromVector(VectorDataViewType vector, InceptionOptions options)
    {
        string name = options.ImageColumnName;
        int size = vector.Size;
        if (vector.Dimensions.Length == 3 && vector.Dimensions[0] is 1 or 3)
        {
            return new ImageColumn(false, vector.Dimensions[0], vector.Dimensions[1], vector.Dimensions[2]);
        }

        if (options.ImageHeight is int h && options.ImageWidth is int w)
        {
            if (size % (h * w) == 0 && (size / (h * w)) is 1 or 3)
            {
                return new ImageColumn(false, size / (h * w), h, w);
            }

            throw new ArgumentOutOfRangeException(
                "inputSchema",
                string.Create(CultureInfo.InvariantCulture, $"Schema mismatch for image column '{name}': expected {h * w} or {3 * h * w} values ({w}x{h} pixels, 1 or 3 channels), got a vector of {size}."));
        }

        foreach (int channels in new[] { 3, 1 })
        {
            int side = (int)Math.Round(Math.Sqrt(size / (double)channels));
            if (channels * side * side == size)
            {
                return new ImageColumn(false, channels, side, side);
            }
        }

        throw new ArgumentOutOfRangeException(
            "inputSchema",
            string.Create(CultureInfo.InvariantCulture, $"Cannot tell the image size of column '{name}' (a vector of {size} values, not square): set {nameof(InceptionOptions.ImageWidth)} and {nameof(InceptionOptions.ImageHeight)}."));
    }

    private static ImageColumn Checked(ImageColumn column, InceptionOptions options)
    {
        int expectedWidth = options.ImageWidth ?? column.Width;
        int expectedHeight = options.ImageHeight ?? column.Height;
        if (expectedWidth != column.Width || expectedHeight != column.Height)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                string.Create(CultureInfo.InvariantCulture, $"Images in column '{options.ImageColumnName}' are {column.Width}x{column.Height} pixels, expected {expectedWidth}x{expectedHeight}: resize them with mlContext.Transforms.ResizeImages."));
        }

        if (column.Width < GoogLeNetOptions.MinimumImageSize || column.Height < GoogLeNetOptions.MinimumImageSize)
        {
            throw new ArgumentOutOfRangeException(
                "inputSchema",
                string.Create(CultureInfo.InvariantCulture, $"Images in column '{options.ImageColumnName}' are {column.Width}x{column.Height} pixels; GoogLeNet needs at least {GoogLeNetOptions.MinimumImageSize}x{GoogLeNetOptions.MinimumImageSize}: resize them with mlContext.Transforms.ResizeImages."));
        }

        return column;
    }

    private static string ExpectedSize(InceptionOptions options) =>
        options.ImageWidth is int w && options.ImageHeight is int h
            ? string.Create(CultureInfo.InvariantCulture, $" (expected {w}x{h})")
            : string.Empty;

    private static string FirstImageSize(IDataView data, DataViewSchema.Column column)
    {
        using DataViewRowCursor cursor = data.GetRowCursor([column]);
        ValueGetter<MLImage> getter = cursor.GetGetter<MLImage>(column);
        MLImage? image = null;
        if (cursor.MoveNext())
        {
            getter(ref image!);
        }

        return image is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $" (the first is {image.Width}x{image.Height} pixels)");
    }
}

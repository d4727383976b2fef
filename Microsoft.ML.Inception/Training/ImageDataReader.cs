using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Reads images and labels from an IDataView into a <see cref="LabeledImages"/>. ML.NET images go through the
/// same stock <c>ExtractPixels</c> transform the scoring chain uses, so training and scoring see identical
/// pixel values. Each image's values are copied with one memory copy straight into a chunk tensor's native memory.
/// </summary>
internal static class ImageDataReader
{
    public const string PixelColumn = "InceptionPixels";
    /// <summary>Float32 staging per chunk: at most 1,024 images and at most 64 MiB (111 colour images at 224x224).</summary>
    private const int MaxChunkRows = 1024;
    private const long MaxChunkBytes = 64L * 1024 * 1024;

    /// <summary>Why an image file that <see cref="InceptionImageFile.DecodesCompletely(string, long)"/> rejects is left out.</summary>
    private const string IncompleteFile = "The file does not decode completely (it ends early or is damaged); LoadImages would have returned a partly grey picture.";

    /// <summary>A temporary column: the greyscale copy of an image for one-channel models.</summary>
    public const string GreyColumn = "InceptionGrey";

    /// <summary>
    /// The stock transforms that turn an ML.NET image column into planar pixel values (0-255): RGB planes, or for a
    /// one-channel model the image's luminance (ML.NET's <c>ConvertToGrayscale</c>, then one plane), so a colour image
    /// shown to a model trained on grey images is seen as its grey version rather than as its red channel.
    /// </summary>
    public static IEstimator<ITransformer> ExtractPixels(TransformsCatalog catalog, string imageColumn, int channels) =>
        channels == 1
            ? catalog.ConvertToGrayscale(GreyColumn, imageColumn)
                .Append(Extract(catalog, GreyColumn, ImagePixelExtractingEstimator.ColorBits.Red))
                .Append(catalog.DropColumns(GreyColumn))
            : Extract(catalog, imageColumn, ImagePixelExtractingEstimator.ColorBits.Rgb);

    private static ImagePixelExtractingEstimator Extract(TransformsCatalog catalog, string imageColumn, ImagePixelExtractingEstimator.ColorBits colors) =>
        catalog.ExtractPixels(PixelColumn, imageColumn, colors, interleavePixelColors: false, outputAsFloatArray: true);

    /// <summary>
    /// Reads every row with a label (rows whose key is missing are skipped and counted). An image that cannot be
    /// loaded either stops the reading with an error naming it or, with <see cref="InceptionInvalidImageHandling.Skip"/>,
    /// is added to <paramref name="invalid"/> and left out. With <see cref="InceptionOptions.ImageFolder"/> set, every
    /// file's header is read first: files above <see cref="InceptionOptions.MaximumImagePixels"/> are handled the same
    /// way without being decoded, and files with an EXIF orientation are added to <paramref name="turned"/>.
    /// <paramref name="cancellation"/> is the Fit's (token and MLContext); without one, only
    /// <see cref="InceptionOptions.CancellationToken"/> stops the reading.
    /// </summary>
    public static LabeledImages Read(
        TransformsCatalog catalog, IDataView data, ImageColumn image, InceptionOptions options, bool isValidationSet,
        List<InceptionSkippedImage> invalid, out int skipped, FitCancellation? cancellation = null, ICollection<string>? turned = null)
    {
        cancellation ??= new FitCancellation(options.CancellationToken, host: null);
        string imageColumn = options.ImageColumnName;
        string labelColumn = options.LabelColumnName;
        IDataView source = data;
        string pixelColumn = imageColumn;
        if (image.IsImage)
        {
            source = ExtractPixels(catalog, imageColumn, image.Channels).Fit(data).Transform(data);
            pixelColumn = PixelColumn;
        }

        DataViewSchema.Column pixels = source.Schema[pixelColumn];
        DataViewSchema.Column label = source.Schema[labelColumn];
        DataViewSchema.Column? name = options.ImageSourceColumnName is string sourceColumn ? source.Schema[sourceColumn] : null;
        DataViewSchema.Column[] columns = name is DataViewSchema.Column n ? [pixels, label, n] : [pixels, label];
        IReadOnlyDictionary<string, string> refused = image.IsImage && options.ImageFolder is string folder && name is DataViewSchema.Column sources
            ? CheckHeaders(source, sources, folder, options.MaximumImagePixels, cancellation, turned)
            : new Dictionary<string, string>();
        int invalidBefore = invalid.Count;
        if (refused.Count > 0)
        {
            // ML.NET's parallel cursor decodes every row's image ahead of this thread, refused ones included: read
            // through the serial cursor, whose getters decode only the images asked for.
            return ReadRows(source.GetRowCursorSet(columns, 1)[0], pixels, label, name, image, options, cancellation, isValidationSet, invalid, refused, tolerant: true, out skipped);
        }

        try
        {
            // ML.NET decodes images on the worker threads of a parallel cursor: fast, but an unreadable file there
            // surfaces from MoveNext with no file name, and ends the cursor.
            return ReadRows(source.GetRowCursor(columns), pixels, label, name, image, options, cancellation, isValidationSet, invalid, refused, tolerant: false, out skipped);
        }
        catch (Exception e) when (image.IsImage && e is not OperationCanceledException)
        {
            // Read again through one serial cursor, whose getters decode on this thread, so that each unreadable image
            // is met on its own row: named, and left out if the options say so.
            invalid.RemoveRange(invalidBefore, invalid.Count - invalidBefore);
            return ReadRows(source.GetRowCursorSet(columns, 1)[0], pixels, label, name, image, options, cancellation, isValidationSet, invalid, refused, tolerant: true, out skipped);
        }
    }

    /// <summary>
    /// Reads the header of every row's file (only the source column is read, so no image is decoded): the files above
    /// the pixel budget, by source, with the reason; files with an EXIF orientation go to <paramref name="turned"/>.
    /// </summary>
    private static Dictionary<string, string> CheckHeaders(
        IDataView source, DataViewSchema.Column sources, string folder, long maximumPixels, FitCancellation cancellation, ICollection<string>? turned)
    {
        var refused = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using DataViewRowCursor cursor = source.GetRowCursor([sources]);
        ValueGetter<ReadOnlyMemory<char>> getName = cursor.GetGetter<ReadOnlyMemory<char>>(sources);
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            cancellation.ThrowIfCancellationRequested();
            getName(ref value);
            string file = value.ToString();
            if (!seen.Add(file) || ImageHeader.TryRead(Path.Combine(folder, file)) is not ImageHeader header)
            {
                continue;
            }

            if (header.RefusalAbove(maximumPixels) is string refusal)
            {
                refused[file] = refusal;
            }
            else if (header.IsTurned)
            {
                turned?.Add(string.Create(CultureInfo.InvariantCulture, $"'{file}' ({(int)header.Origin})"));
            }
        }

        return refused;
    }

    private static LabeledImages ReadRows(
        DataViewRowCursor rowCursor, DataViewSchema.Column pixels, DataViewSchema.Column label, DataViewSchema.Column? name, ImageColumn image,
        InceptionOptions options, FitCancellation cancellation, bool isValidationSet, List<InceptionSkippedImage> invalid,
        IReadOnlyDictionary<string, string> refused, bool tolerant, out int skipped)
    {
        string? folder = options.ImageFolder;
        void Reject(InceptionSkippedImage bad, Exception? error)
        {
            if (options.InvalidImages == InceptionInvalidImageHandling.Fail)
            {
                throw new InvalidOperationException(
                    $"Could not load the image of {bad.ToString().TrimEnd('.')}. Set {nameof(InceptionOptions.InvalidImages)} to {nameof(InceptionInvalidImageHandling.Skip)} to train on the readable images"
                    + (name is null ? $", and {nameof(InceptionOptions.ImageSourceColumnName)} to the path column to name the images." : "."),
                    error);
            }

            invalid.Add(bad);
        }

        int size = image.PixelsPerImage;
        int chunkRows = (int)Math.Clamp(MaxChunkBytes / (sizeof(float) * (long)size), 1, MaxChunkRows);
        var chunks = new List<Tensor>();
        var labels = new List<long>();
        skipped = 0;
        try
        {
            using DataViewRowCursor cursor = rowCursor;
            ValueGetter<VBuffer<float>> getPixels = cursor.GetGetter<VBuffer<float>>(pixels);
            ValueGetter<uint> getLabel = cursor.GetGetter<uint>(label);
            ValueGetter<ReadOnlyMemory<char>>? getName = name is DataViewSchema.Column c ? cursor.GetGetter<ReadOnlyMemory<char>>(c) : null;
            ReadOnlyMemory<char> nameValue = default;
            long position = -1;
            VBuffer<float> row = default;
            uint key = 0;
            Tensor? chunk = null;
            int inChunk = 0;
            while (cursor.MoveNext())
            {
                position++;
                cancellation.ThrowIfCancellationRequested();
                getLabel(ref key);
                if (key == 0)
                {
                    skipped++;
                    continue;
                }

                if (refused.Count > 0 && getName is not null)
                {
                    // Before getPixels: that is where LoadImages would decode the file and allocate what it declares.
                    getName(ref nameValue);
                    if (refused.TryGetValue(nameValue.ToString(), out string? refusal))
                    {
                        Reject(new InceptionSkippedImage(position, nameValue.ToString(), refusal, isValidationSet), null);
                        continue;
                    }
                }

                try
                {
                    getPixels(ref row);
                }
                catch (Exception e) when (e is not OperationCanceledException && tolerant)
                {
                    // ML.NET's LoadImages decodes in the getter: an unreadable file surfaces here, with no path in the message.
                    getName?.Invoke(ref nameValue);
                    Reject(new InceptionSkippedImage(position, getName is null ? null : nameValue.ToString(), e.Message, isValidationSet), e);
                    continue;
                }

                if (folder is not null && getName is not null)
                {
                    getName(ref nameValue);
                    string source = nameValue.ToString();
                    if (!InceptionImageFile.DecodesCompletely(Path.Combine(folder, source)))
                    {
                        Reject(new InceptionSkippedImage(position, source, IncompleteFile, isValidationSet), null);
                        continue;
                    }
                }

                chunk ??= torch.empty([chunkRows, image.Channels, image.Height, image.Width], ScalarType.Float32);

                // One memory copy per image into the chunk's native memory (Tensor.bytes is a view of it, not a copy).
                // TensorAccessor.CopyFrom walks the values one index at a time: 40x slower, 5 s for 60,000 small images.
                ReadOnlySpan<float> values = row.IsDense ? row.GetValues() : row.DenseValues().ToArray();
                values.CopyTo(MemoryMarshal.Cast<byte, float>(chunk.bytes).Slice(inChunk * size, size));
                labels.Add(key - 1);
                if (++inChunk == chunkRows)
                {
                    chunks.Add(Store(image, chunk, inChunk));
                    chunk = null;
                    inChunk = 0;
                }
            }

            if (chunk is not null)
            {
                chunks.Add(Store(image, chunk, inChunk));
            }

            Tensor all = chunks.Count switch
            {
                0 => torch.zeros([0, image.Channels, image.Height, image.Width], image.IsImage ? ScalarType.Byte : ScalarType.Float32),
                1 => chunks[0].alias(),
                _ => torch.cat(chunks, 0),
            };
            return new LabeledImages(all, labels.ToArray());
        }
        finally
        {
            foreach (Tensor chunk in chunks)
            {
                chunk.Dispose();
            }
        }
    }

    /// <summary>Trims a filled chunk to its rows; ML.NET images (whole numbers 0-255) are kept as bytes, a quarter of the memory.</summary>
    private static Tensor Store(ImageColumn image, Tensor chunk, int rows)
    {
        using (chunk)
        {
            using Tensor filled = chunk.narrow(0, 0, rows);
            return image.IsImage ? filled.to_type(ScalarType.Byte) : filled.clone();
        }
    }
}

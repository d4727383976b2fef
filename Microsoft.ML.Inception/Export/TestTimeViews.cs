using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Writes the ONNX nodes that turn a batch of normalised images (N x C x H x W) into all its test-time views,
/// stacked along the batch axis (V*N x C x H x W, view-major), for one pass of the network.
/// </summary>
internal static class TestTimeViews
{
    /// <summary>The paper's four scales: the shorter side at 256, 288, 320 and 352 when the crop is 224.</summary>
    private static readonly int[] PaperScales = [256, 288, 320, 352];
    private const int PaperCrop = 224;

    /// <summary>Number of distinct views of an H x W image.</summary>
    public static int Count(InceptionTestTimeAugmentation augmentation, int height, int width) => augmentation switch
    {
        InceptionTestTimeAugmentation.None => 1,
        InceptionTestTimeAugmentation.HorizontalFlip => 2,
        InceptionTestTimeAugmentation.TenCrop => 10,
        InceptionTestTimeAugmentation.Crops144 => PaperScales.Sum(s => SquareOrigins(Scaled(height, s), Scaled(width, s)).Count()) * 6 * 2,
        _ => throw new ArgumentOutOfRangeException(nameof(augmentation)),
    };

    /// <summary>Throws when the scheme cannot crop an H x W input (a 144-crop square smaller than the input).</summary>
    public static void Require(InceptionTestTimeAugmentation augmentation, int height, int width)
    {
        if (augmentation != InceptionTestTimeAugmentation.Crops144)
        {
            return;
        }

        foreach (int scale in PaperScales)
        {
            int side = Math.Min(Scaled(height, scale), Scaled(width, scale));
            if (side < Math.Max(height, width))
            {
                throw new ArgumentOutOfRangeException(
                    nameof(InceptionOptions.TestTimeAugmentation),
                    string.Create(CultureInfo.InvariantCulture, $"Test-time augmentation {augmentation} crops {height}x{width} images from squares of side {side} (the shorter side at {scale}/{PaperCrop} of the size), which are smaller than the crop; use square images, or {nameof(InceptionTestTimeAugmentation.TenCrop)}."));
            }
        }
    }

    /// <summary>Writes the views of <paramref name="x"/> and returns the stacked tensor's name and the view count.</summary>
    public static (string Views, int Count) Write(OnnxGraphBuilder g, string x, InceptionTestTimeAugmentation augmentation, int height, int width)
    {
        switch (augmentation)
        {
            case InceptionTestTimeAugmentation.None:
                return (x, 1);
            case InceptionTestTimeAugmentation.HorizontalFlip:
                return (WithMirrors(g, [x]), 2);
            case InceptionTestTimeAugmentation.TenCrop:
            {
                int pad = Math.Max(1, Math.Min(height, width) / 8);
                string padded = g.Node("Pad", [x, g.Int64Initializer(g.Name("tta_pads"), 0, 0, pad, pad, 0, 0, pad, pad)], g.Name("tta_padded"));
                string[] crops = [.. CornersAndCentre(height + (2 * pad), width + (2 * pad), height, width).Select(o => Crop(g, padded, o.Top, o.Left, height, width))];
                return (WithMirrors(g, crops), 10);
            }

            case InceptionTestTimeAugmentation.Crops144:
            {
                Require(augmentation, height, width);
                var crops = new List<string>();
                foreach (int scale in PaperScales)
                {
                    int scaledHeight = Scaled(height, scale);
                    int scaledWidth = Scaled(width, scale);
                    string resized = Resize(g, x, scaledHeight, scaledWidth);
                    int side = Math.Min(scaledHeight, scaledWidth);
                    foreach ((int top, int left) in SquareOrigins(scaledHeight, scaledWidth))
                    {
                        foreach ((int cropTop, int cropLeft) in CornersAndCentre(side, side, height, width))
                        {
                            crops.Add(Crop(g, resized, top + cropTop, left + cropLeft, height, width));
                        }

                        crops.Add(Resize(g, Crop(g, resized, top, left, side, side), height, width));
                    }
                }

                return (WithMirrors(g, crops), crops.Count * 2);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(augmentation));
        }
    }

    /// <summary>Averages view-major V*N x K probabilities over the views: N x K.</summary>
    public static string Average(OnnxGraphBuilder g, string probabilities, int views, int classes, string output)
    {
        if (views == 1)
        {
            return g.Node("Identity", [probabilities], output);
        }

        string shape = g.Int64Initializer(g.Name("tta_shape"), views, -1, classes);
        string stacked = g.Node("Reshape", [probabilities, shape], g.Name("tta_stacked"));
        return g.Node("ReduceMean", [stacked], output, ("axes", new long[] { 0 }), ("keepdims", 0L));
    }

    private static int Scaled(int size, int scale) => (int)Math.Round(size * (double)scale / PaperCrop, MidpointRounding.AwayFromZero);

    /// <summary>The top-left corners of the 3 squares along the longer side (one for a square).</summary>
    private static IEnumerable<(int Top, int Left)> SquareOrigins(int height, int width)
    {
        if (height == width)
        {
            return [(0, 0)];
        }

        int side = Math.Min(height, width);
        int extra = Math.Max(height, width) - side;
        int[] offsets = [0, extra / 2, extra];
        return height > width ? offsets.Select(o => (o, 0)) : offsets.Select(o => (0, o));
    }

    /// <summary>The four corners and the centre of an h x w crop inside an H x W area.</summary>
    private static (int Top, int Left)[] CornersAndCentre(int areaHeight, int areaWidth, int height, int width)
    {
        int bottom = areaHeight - height;
        int right = areaWidth - width;
        return [(0, 0), (0, right), (bottom, 0), (bottom, right), (bottom / 2, right / 2)];
    }

    private static string Crop(OnnxGraphBuilder g, string x, int top, int left, int height, int width) =>
        g.Node(
            "Slice",
            [x, g.Int64Initializer(g.Name("crop_starts"), top, left), g.Int64Initializer(g.Name("crop_ends"), top + height, left + width), g.Int64Initializer(g.Name("crop_axes"), 2, 3)],
            g.Name("crop"));

    /// <summary>Bilinear resize of N x C x H x W to N x C x height x width (the batch and channel sizes are read from the input).</summary>
    private static string Resize(OnnxGraphBuilder g, string x, int height, int width)
    {
        string shape = g.Node("Shape", [x], g.Name("shape"));
        string leading = g.Node("Slice", [shape, g.Int64Initializer(g.Name("zero"), 0), g.Int64Initializer(g.Name("two"), 2)], g.Name("batch_channels"));
        string sizes = g.Node("Concat", [leading, g.Int64Initializer(g.Name("size"), height, width)], g.Name("sizes"), ("axis", 0L));
        return g.Node("Resize", [x, string.Empty, string.Empty, sizes], g.Name("resized"), ("mode", "linear"), ("coordinate_transformation_mode", "half_pixel"));
    }

    /// <summary>The views and their mirror images (the last axis reversed), stacked along the batch axis.</summary>
    private static string WithMirrors(OnnxGraphBuilder g, IReadOnlyList<string> views)
    {
        string all = views.Count == 1 ? views[0] : g.Node("Concat", [.. views], g.Name("tta_views"), ("axis", 0L));
        string mirrored = g.Node(
            "Slice",
            [all, g.Int64Initializer(g.Name("flip_starts"), -1), g.Int64Initializer(g.Name("flip_ends"), long.MinValue), g.Int64Initializer(g.Name("flip_axes"), 3), g.Int64Initializer(g.Name("flip_steps"), -1)],
            g.Name("mirrored"));
        return g.Node("Concat", [all, mirrored], g.Name("tta_with_mirrors"), ("axis", 0L));
    }
}

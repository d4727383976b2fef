using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// One Fashion-MNIST image as an ML.NET image (<see cref="MLImage"/>, grey in all three colour channels), the input
/// ML.NET's image transforms (ResizeImages, ExtractPixels) expect, and its class name.
/// </summary>
internal sealed class GreyImageRow
{
    [ImageType(28, 28)]
    public MLImage? Image { get; set; }

    public string Label { get; set; } = string.Empty;

    /// <summary>The rows of a split, made one at a time as ML.NET's cursor asks for them.</summary>
    public static IEnumerable<GreyImageRow> Enumerate(FashionMnistIdx.Split split)
    {
        for (int i = 0; i < split.Count; i++)
        {
            yield return new GreyImageRow
            {
                Image = GreyImage.ToMLImage(split.Image(i), split.Width, split.Height),
                Label = FashionMnistIdx.ClassNames[split.Labels[i]],
            };
        }
    }
}

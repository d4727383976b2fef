using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Images read from an IDataView into one tensor: N x C x H x W pixel values as the image column holds them
/// (uint8 for ML.NET images, float32 for pixel vectors), and their 0-based class indices.
/// </summary>
internal sealed class LabeledImages : IDisposable
{
    public LabeledImages(Tensor images, long[] labels)
    {
        Images = images;
        Labels = labels;
    }

    /// <summary>N x C x H x W pixels.</summary>
    public Tensor Images { get; private set; }

    /// <summary>Class index of every image, 0-based (key value minus 1).</summary>
    public long[] Labels { get; }

    public int Count => Labels.Length;

    public int Channels => (int)Images.shape[1];

    /// <summary>Keeps only the first channel (R of RGB): grey images extracted as RGB carry it three times.</summary>
    public void KeepFirstChannel()
    {
        Tensor first = Images.narrow(1, 0, 1).contiguous();
        Images.Dispose();
        Images = first;
    }

    /// <summary>True when every image has three identical channels.</summary>
    public bool IsGrey()
    {
        if (Channels != 3)
        {
            return Channels == 1;
        }

        using var scope = NewDisposeScope();
        return Images.select(1, 0).equal(Images.select(1, 1)).all().item<bool>()
            && Images.select(1, 1).equal(Images.select(1, 2)).all().item<bool>();
    }

    /// <summary>A subset, for a validation split.</summary>
    public LabeledImages Select(IReadOnlyList<long> indices)
    {
        using Tensor index = torch.tensor(indices.ToArray());
        return new LabeledImages(Images.index_select(0, index), indices.Select(i => Labels[i]).ToArray());
    }

    public void Dispose() => Images.Dispose();
}

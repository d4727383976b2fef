namespace Microsoft.ML.Inception;

/// <summary>
/// How many views of each image the model scores, averaging their softmax probabilities (test-time augmentation).
/// The views are computed inside the exported ONNX graph, so they are part of the saved model and of
/// <see cref="InceptionTransformer.SaveOnnx(string)"/>. Scoring costs grow with the number of views.
/// </summary>
public enum InceptionTestTimeAugmentation
{
    /// <summary>One view: the image as it is.</summary>
    None,

    /// <summary>Two views: the image and its mirror image.</summary>
    HorizontalFlip,

    /// <summary>
    /// Ten views: the image padded by an eighth of its shorter side (with the mean, as training's random crops pad)
    /// and cropped back to its size at the four corners and the centre, and the mirror images of those five. The
    /// centre crop is the image itself; the corners are the largest shifts training's random crops make.
    /// </summary>
    TenCrop,

    /// <summary>
    /// The GoogLeNet paper's 144 crops: the image resized to 4 scales (256, 288, 320 and 352 over 224 times its size),
    /// 3 squares of each (left, centre and right, or top, centre and bottom, of the longer side), 6 crops of each square
    /// (its 4 corners and centre at the network's input size, and the whole square resized to it) and their mirror
    /// images: 4 x 3 x 6 x 2. The three squares of a square image are one and the same, so such an image is scored on
    /// its 48 distinct crops, which gives the same average. The network's input must be square or nearly so: every
    /// square must hold the input size.
    /// </summary>
    Crops144,
}

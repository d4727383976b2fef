namespace Microsoft.ML.Inception;

/// <summary>
/// The channel counts of one Inception module, as in a row of Table 1 of the GoogLeNet paper.
/// </summary>
/// <param name="InputChannels">Channels of the module's input.</param>
/// <param name="Conv1x1">Output channels of the 1x1 branch (#1x1).</param>
/// <param name="Reduce3x3">Output channels of the 1x1 reduction before the 3x3 convolution (#3x3 reduce).</param>
/// <param name="Conv3x3">Output channels of the 3x3 branch (#3x3).</param>
/// <param name="Reduce5x5">Output channels of the 1x1 reduction before the 5x5 convolution (#5x5 reduce).</param>
/// <param name="Conv5x5">Output channels of the 5x5 branch (#5x5; a 3x3 kernel in the torchvision variant).</param>
/// <param name="PoolProjection">Output channels of the 1x1 projection after the 3x3 max pool (pool proj).</param>
public readonly record struct InceptionModuleSpec(
    int InputChannels,
    int Conv1x1,
    int Reduce3x3,
    int Conv3x3,
    int Reduce5x5,
    int Conv5x5,
    int PoolProjection)
{
    /// <summary>Channels of the module's output: the four branches concatenated.</summary>
    public int OutputChannels => Conv1x1 + Conv3x3 + Conv5x5 + PoolProjection;

    /// <summary>Returns this specification with every channel count multiplied by <paramref name="width"/>.</summary>
    /// <param name="width">The width multiplier; counts are rounded and never fall below 1.</param>
    /// <param name="inputChannels">The (already scaled) channels of the preceding layer.</param>
    /// <returns>The scaled specification.</returns>
    public InceptionModuleSpec Scale(double width, int inputChannels) => new(
        inputChannels,
        GoogLeNetOptions.ScaleChannels(Conv1x1, width),
        GoogLeNetOptions.ScaleChannels(Reduce3x3, width),
        GoogLeNetOptions.ScaleChannels(Conv3x3, width),
        GoogLeNetOptions.ScaleChannels(Reduce5x5, width),
        GoogLeNetOptions.ScaleChannels(Conv5x5, width),
        GoogLeNetOptions.ScaleChannels(PoolProjection, width));
}

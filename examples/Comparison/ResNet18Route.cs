namespace Microsoft.ML.Inception.Samples.Comparison;

/// <summary>
/// ML.NET's pretrained-featurizer route: every image resized to the 224x224 RGB ResNet18 was trained on, featurized by
/// the ImageNet-trained ResNet18 that Microsoft.ML.DnnImageFeaturizer.ResNet18 ships as ONNX (512 features from the
/// last pooling layer), and a linear classifier (LbfgsMaximumEntropy) trained on those features. Only the classifier
/// learns; the network stays as trained on ImageNet.
/// </summary>
internal static class ResNet18Route
{
    public const string Key = "resnet18";
    private const int Size = 224;

    public static Route Create(MLContext ml, FashionMnistIdx.Split train, FashionMnistIdx.Split test) =>
        new(
            Key,
            "ResNet18 features + LbfgsMaximumEntropy",
            $"`ResizeImages` to {Size}x{Size}, `ExtractPixels` (RGB), `DnnFeaturizeImage` with the pretrained ResNet18 (512 features), `NormalizeMinMax`, `LbfgsMaximumEntropy`",
            ml.Data.LoadFromEnumerable(GreyImageRow.Enumerate(train)),
            ml.Data.LoadFromEnumerable(GreyImageRow.Enumerate(test)),
            () => LabelKeys.MapLabel(ml, FashionMnistIdx.ClassNames)
                .Append(ml.Transforms.ResizeImages("Image", Size, Size))
                .Append(ml.Transforms.ExtractPixels("Pixels", "Image"))
                .Append(ml.Transforms.DnnFeaturizeImage("Features", m => m.ModelSelector.ResNet18(ml, m.OutputColumn, m.InputColumn), "Pixels"))

                // Featurizing is the slow part and the trainer reads its data many times: keep only the features in
                // memory (512 floats per image, not the 224x224 images and pixel vectors) and featurize each image once.
                .Append(ml.Transforms.SelectColumns(LabelKeys.LabelColumn, "Features"))
                .AppendCacheCheckpoint(ml)
                .Append(ml.Transforms.NormalizeMinMax("Features"))
                .Append(ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(LabelKeys.LabelColumn, "Features")));
}

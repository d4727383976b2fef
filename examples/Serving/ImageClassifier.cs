using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Inception.Serving;

/// <summary>Loads a saved model and prints the class of each image of a folder.</summary>
internal static class ImageClassifier
{
    /// <summary>File extensions taken as images when no files are named (compared case-insensitively): the formats LoadImages decodes.</summary>
    public static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"];

    /// <summary>Classifies <paramref name="files"/> (relative to <paramref name="folder"/>; every image file in it when empty).</summary>
    /// <returns>The exit code: 0, or 1 after an error line on <paramref name="error"/>.</returns>
    public static int Run(FileInfo modelFile, DirectoryInfo folder, IReadOnlyList<string> files, TextWriter output, TextWriter error)
    {
        IReadOnlyList<string> paths = files.Count > 0 ? files : ImageFiles(folder.FullName);
        if (paths.Count == 0)
        {
            error.WriteLine($"error: '{folder.FullName}' holds no image files ({string.Join(", ", Extensions)}).");
            return 1;
        }

        if (paths.FirstOrDefault(p => !File.Exists(Path.Combine(folder.FullName, p))) is string missing)
        {
            error.WriteLine($"error: '{missing}' does not exist in '{folder.FullName}'.");
            return 1;
        }

        var ml = new MLContext();
        ITransformer model = ml.Model.Load(modelFile.FullName, out _);
        IDataView noRows = ml.Data.LoadFromEnumerable(Array.Empty<ImageInput>());
        DataViewSchema scored;
        try
        {
            scored = model.GetOutputSchema(noRows.Schema);
        }
        catch (ArgumentOutOfRangeException e)
        {
            // A model saved with MapValueToKey("Label") inside asks for a label even to score.
            error.WriteLine(
                $"error: the model '{modelFile.Name}' cannot score an image path alone: {e.Message}. Save it without the label "
                + "mapping: fit MapValueToKey(\"Label\") on the training data outside the saved pipeline, and save the pipeline that starts at LoadImages.");
            return 1;
        }

        if (scored.GetColumnOrNull("PredictedLabel")?.Type is KeyDataViewType)
        {
            // Saved without MapKeyToValue: the class names are the key values, which this step reads back.
            model = model.Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel").Fit(model.Transform(noRows)));
        }

        // The images are scored on several threads, as a server scores requests: a PredictionEngine is not thread-safe
        // (one shared by threads crashes the process), so each call takes an engine of its own from a pool. The pool
        // creates them with OwnsTransformer = false: an engine otherwise disposes the model with itself, and a loaded
        // model's ONNX Runtime session with it (dotnet/machinelearning#5945), so the model could not score again.
        using var engines = new ScoringEnginePool<ImageInput, ImagePrediction>(ml, model);
        var predictions = new ImagePrediction[paths.Count];

        // A full path: LoadImages combines the folder it was trained with and the path, and a full path wins.
        Parallel.For(0, paths.Count, i => predictions[i] = engines.Predict(new ImageInput { ImagePath = Path.GetFullPath(paths[i], folder.FullName) }));
        for (int i = 0; i < paths.Count; i++)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{paths[i]}\t{predictions[i].PredictedLabel}\t{predictions[i].Score.Max():R}"));
        }

        return 0;
    }

    /// <summary>Every visible image file under <paramref name="folder"/>, relative to it, in ordinal order.</summary>
    private static List<string> ImageFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
            .Select(f => Path.GetRelativePath(folder, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .ToList();
}

using Microsoft.ML.Inception;

namespace Microsoft.ML;

/// <summary>
/// <c>mlContext.Model.SaveAtomically(...)</c>: ML.NET's <c>Save</c> without its one weak spot. <c>Save(model, schema,
/// filePath)</c> truncates the file first and then writes it, so a full disk, a crash or an exception halfway leaves
/// the user's previous model as a broken zip.
/// </summary>
public static class ModelSavingCatalog
{
    /// <summary>
    /// Saves <paramref name="model"/> exactly as <c>Save(model, inputSchema, stream)</c> does, into a temporary file in
    /// the same folder that replaces <paramref name="filePath"/> by a rename only once it is complete and flushed to
    /// disk. On any failure the previous file is left as it was and the temporary file is deleted.
    /// </summary>
    /// <param name="catalog">The model operations catalog (<c>mlContext.Model</c>).</param>
    /// <param name="model">The trained model.</param>
    /// <param name="inputSchema">The schema of the data the model was trained on, or <see langword="null"/>.</param>
    /// <param name="filePath">The model zip to write or replace.</param>
    /// <exception cref="IOException">The path is a folder, its folder does not exist (<see cref="DirectoryNotFoundException"/>) or the file could not be written (for example, the disk is full); the message names the file, and the previous file is intact.</exception>
    public static void SaveAtomically(this ModelOperationsCatalog catalog, ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        AtomicFile.Write(filePath, "model zip", stream => catalog.Save(model, inputSchema, stream));
    }
}

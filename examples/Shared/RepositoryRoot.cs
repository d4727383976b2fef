namespace Microsoft.ML.Inception.Samples;

/// <summary>The repository's root folder: the one holding Inception.MLNet.sln, found by walking up from the program.</summary>
internal static class RepositoryRoot
{
    private const string SolutionFile = "Inception.MLNet.sln";

    /// <summary>The root above the program's directory, else the current directory (a published copy run elsewhere).</summary>
    public static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }
}

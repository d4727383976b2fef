using System.IO.Compression;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>Same seed, same data: the same model, also when trained in two separate processes.</summary>
[TestClass]
[TestCategory("Slow")] // Trains examples/Digits in two child processes.
public sealed class CrossProcessDeterminismTests
{
    [TestMethod]
    [Timeout(900_000, CooperativeCancellation = true)]
    public void Fit_SameSeedInTwoProcesses_IdenticalModelZipContents()
    {
        // examples/Digits trains with new MLContext(seed: 1) on OpenCV's digits, writes them as images into a fixed
        // folder under the temp path and saves its model zip there too. Both runs get the same temp folder of this
        // test's own (TMPDIR): the image folder is part of the model, and the same test running elsewhere on the
        // machine must not write those files under this one's feet.
        string project = Path.Combine(BuildMetadata.RepositoryRoot, "examples", "Digits");
        DotnetCli.Run(BuildMetadata.RepositoryRoot, "build", project, "-c", "Release");
        string program = Path.Combine(project, "bin", "Release", "net10.0", "Digits.dll");
        string temporary = Directory.CreateTempSubdirectory("inception-cross-process-").FullName;
        string zip = Path.Combine(temporary, "inception-digits-model.zip");
        var runs = new List<Dictionary<string, byte[]>>();
        try
        {
            for (int run = 0; run < 2; run++)
            {
                File.Delete(zip);
                DotnetCli.Run(temporary, new Dictionary<string, string> { ["TMPDIR"] = temporary }, "exec", program, "--epochs", "1");
                runs.Add(Entries(zip));
            }
        }
        finally
        {
            Directory.Delete(temporary, recursive: true);
        }

        CollectionAssert.AreEqual(runs[0].Keys.Order(StringComparer.Ordinal).ToList(), runs[1].Keys.Order(StringComparer.Ordinal).ToList());
        Assert.IsTrue(runs[0].Keys.Any(k => k.Contains("Onnx", StringComparison.OrdinalIgnoreCase)), string.Join(", ", runs[0].Keys));
        foreach ((string name, byte[] bytes) in runs[0])
        {
            CollectionAssert.AreEqual(bytes, runs[1][name], $"Entry '{name}' of the model zip differs between the two processes.");
        }
    }

    /// <summary>The contents of every entry (zip timestamps aside).</summary>
    private static Dictionary<string, byte[]> Entries(string path)
    {
        using ZipArchive archive = ZipFile.OpenRead(path);
        return archive.Entries.ToDictionary(e => e.FullName, e =>
        {
            using Stream stream = e.Open();
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });
    }
}

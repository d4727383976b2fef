using Microsoft.ML.Runtime;

namespace Microsoft.ML.Inception.Tests.MLNet;

/// <summary>
/// The library's only reflection into ML.NET: the environment behind <c>mlContext.Transforms</c> (internal interface
/// <c>Microsoft.ML.Data.IInternalCatalog</c>) and its <c>TempFilePath</c> (internal <c>IHostEnvironmentInternal</c>).
/// These pin what the library relies on, so an ML.NET upgrade that moves either fails here by name rather than
/// somewhere in training.
/// </summary>
[TestClass]
public sealed class CatalogEnvironmentTests
{
    [TestMethod]
    public void Get_TransformsCatalog_IsTheEnvironmentWhoseChannelsWriteToMLContextLog()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) =>
        {
            lock (messages)
            {
                messages.Add(e.Message);
            }
        };

        IHost host = CatalogEnvironment.Get(ml.Transforms).Register("CatalogEnvironmentTests");
        using (IChannel channel = host.Start("probe"))
        {
            channel.Info(MessageSensitivity.None, "reached MLContext.Log");
        }

        lock (messages)
        {
            Assert.IsTrue(messages.Any(m => m.Contains("reached MLContext.Log", StringComparison.Ordinal)), string.Join('\n', messages));
        }
    }

    [TestMethod]
    public void Get_TransformsCatalog_DrawsRandomNumbersFromTheMLContextSeed()
    {
        int[] Draw(int seed)
        {
            IHost host = CatalogEnvironment.Get(new MLContext(seed).Transforms).Register("Inception");
            return Enumerable.Range(0, 4).Select(_ => host.Rand.Next()).ToArray();
        }

        CollectionAssert.AreEqual(Draw(7), Draw(7), "The same MLContext seed must give the same training seed.");
        CollectionAssert.AreNotEqual(Draw(7), Draw(8));
    }

    [TestMethod]
    public void TempFilePath_IsTheMLContextTempFilePath()
    {
        string folder = Path.Combine(Path.GetTempPath(), "catalog-environment-tests");
        var ml = new MLContext(seed: 1) { TempFilePath = folder };

        Assert.AreEqual(folder, CatalogEnvironment.TempFilePath(ml.Transforms));
    }
}

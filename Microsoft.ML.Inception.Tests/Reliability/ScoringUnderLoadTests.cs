using System.Globalization;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Samples;
using Microsoft.ML.Inception.Tests.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// A trained model under the load of a scoring service: many threads at once, many images, many loads of the same
/// model zip. Scores must not depend on concurrency, and memory must not grow with work done.
/// </summary>
[TestClass]
public sealed class ScoringUnderLoadTests
{
    private const int Threads = 8;
    private static readonly MLContext Ml = new(seed: 3);
    private static ITransformer model = null!;
    private static string folder = null!;
    private static string zip = null!;

    [ClassInitialize]
    public static void TrainAndSave(TestContext context)
    {
        folder = Directory.CreateTempSubdirectory("inception-load-").FullName;
        zip = Path.Combine(folder, "model.zip");
        IDataView train = DigitsPipeline.SmallTrain(Ml, perClass: 30);
        model = DigitsPipeline.Create(Ml, DigitsPipeline.QuickOptions()).Fit(train);
        Ml.Model.Save(model, train.Schema, zip);
    }

    [ClassCleanup]
    public static void Delete() => Directory.Delete(folder, recursive: true);

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Transform_EightThreadsOnOneModel_ExactlyTheSequentialScores()
    {
        IDataView test = DigitsPipeline.Test(Ml);
        float[][] sequential = Scores(model.Transform(test));

        float[][][] concurrent = OnThreads(_ => Scores(model.Transform(test)));

        for (int t = 0; t < Threads; t++)
        {
            AssertSameScores(sequential, concurrent[t], $"thread {t}");
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void PredictionEngine_OnePerThreadOnOneModel_ExactlyTheSequentialScores()
    {
        IReadOnlyList<ImageRow> rows = DigitImages.Test;
        float[][] sequential;
        using (var engine = Ml.Model.CreatePredictionEngine<ImageRow, ScoreRow>(model))
        {
            sequential = rows.Select(r => engine.Predict(r).Score).ToArray();
        }

        // The ML.NET pattern for services (PredictionEnginePool): an engine is not thread-safe, so one per thread,
        // all created from the same model at once.
        float[][][] concurrent = OnThreads(t =>
        {
            using var engine = Ml.Model.CreatePredictionEngine<ImageRow, ScoreRow>(model);
            return rows.Select((_, i) => rows[(i + (t * 17)) % rows.Count]).Select(r => engine.Predict(r).Score).ToArray();
        });

        for (int t = 0; t < Threads; t++)
        {
            float[][] rotated = rows.Select((_, i) => sequential[(i + (t * 17)) % rows.Count]).ToArray();
            AssertSameScores(rotated, concurrent[t], $"thread {t}");
        }
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void Transform_20000ImagesInBatches_MemoryStaysFlat()
    {
        IReadOnlyList<ImageRow> all = [.. DigitImages.Train, .. DigitImages.Test];
        const int Batch = 2_000;
        const int Batches = 10;
        var memory = new List<Memory>();
        for (int b = 0; b < Batches; b++)
        {
            // A new view per batch, as a service scores each request's images: rows b*2000 onwards, cycling through the digits.
            IDataView batch = Ml.Data.LoadFromEnumerable(Enumerable.Range(b * Batch, Batch).Select(i => all[i % all.Count]));
            Assert.HasCount(Batch, Scores(model.Transform(batch)));
            memory.Add(Memory.Now());
        }

        AssertFlat(memory, $"after {Batch * Batches} images", $"after the first {Batch}");
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void ModelLoad_100TimesInOneProcess_MemoryAndTempFilesBounded()
    {
        IDataView few = Ml.Data.LoadFromEnumerable(DigitImages.Test.Take(5));

        // A folder of this test's own for ML.NET's temporary files (the ONNX model each load writes out), so that
        // other processes writing to the system's temp folder cannot change what is counted.
        string temporary = Directory.CreateDirectory(Path.Combine(folder, "temporary")).FullName;
        var memory = new List<Memory>();
        for (int i = 1; i <= 100; i++)
        {
            ITransformer loaded = new MLContext(seed: i) { TempFilePath = temporary }.Model.Load(zip, out _);
            Assert.HasCount(5, Scores(loaded.Transform(few)));
            (loaded as IDisposable)?.Dispose();
            if (i % 10 == 0)
            {
                memory.Add(Memory.Now());
            }
        }

        AssertFlat(memory, "after 100 loads", "after 10");
        string[] left = Directory.GetFileSystemEntries(temporary);
        Assert.IsEmpty(left, $"Loading a model should not leave files in the temp folder: {string.Join(", ", left)}");
    }

    private static float[][][] OnThreads(Func<int, float[][]> work)
    {
        var results = new float[Threads][][];
        var errors = new Exception?[Threads];
        using var start = new Barrier(Threads);
        Thread[] threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                results[t] = work(t);
            }
            catch (Exception e)
            {
                errors[t] = e;
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.IsTrue(errors.All(e => e is null), string.Join("\n", errors.Where(e => e is not null)));
        return results;
    }

    /// <summary>
    /// Memory may grow by at most 5% of the RSS at the first measurement. The growth is that of this process's private
    /// memory (<see cref="ProcessMemory.PrivateMiB"/>), not of its RSS: the RSS also counts pages of the native libraries'
    /// code, which the kernel drops and reads back as other processes need memory.
    /// </summary>
    private static void AssertFlat(IReadOnlyList<Memory> memory, string last, string first)
    {
        string figures = string.Join("; ", memory);
        Console.WriteLine($"Memory (MiB) at each measurement: {figures}");
        double allowed = memory[0].ResidentMiB * 0.05;
        double growth = memory[^1].PrivateMiB - memory[0].PrivateMiB;
        Assert.IsLessThanOrEqualTo(allowed, growth, string.Create(CultureInfo.InvariantCulture,
            $"Private memory {last} may exceed what it was {first} by 5% of the RSS then ({allowed:F1} MiB); it grew by {growth:F1} MiB: {figures}."));
    }

    private static float[][] Scores(IDataView scored) => scored.GetColumn<float[]>("Score").ToArray();

    private static void AssertSameScores(float[][] expected, float[][] actual, string who)
    {
        Assert.HasCount(expected.Length, actual, who);
        for (int i = 0; i < expected.Length; i++)
        {
            CollectionAssert.AreEqual(expected[i], actual[i], $"{who}, row {i}: scores differ from sequential scoring.");
        }
    }

    /// <summary>
    /// RSS and private memory of this process in MiB, after a full garbage collection and after glibc has returned the
    /// free parts of its heaps (malloc_trim), so that they count memory in use rather than what the allocator keeps.
    /// </summary>
    private sealed record Memory(double ResidentMiB, double PrivateMiB)
    {
        public static Memory Now()
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            MallocTrim(0);
            return new Memory(
                ProcessMemory.ResidentMiB() ?? throw new AssertInconclusiveException("No /proc/self/status here."),
                ProcessMemory.PrivateMiB() ?? throw new AssertInconclusiveException("No RssAnon, RssShmem and VmSwap in /proc/self/status here."));
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int MallocTrim(nuint pad);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"RSS {ResidentMiB:F0}, private {PrivateMiB:F0}");
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }
}

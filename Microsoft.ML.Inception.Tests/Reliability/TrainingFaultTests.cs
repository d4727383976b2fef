using System.Diagnostics;
using Microsoft.ML.Data;
using Microsoft.ML.Inception.Tests.Estimator;

namespace Microsoft.ML.Inception.Tests.Reliability;

/// <summary>
/// Faults while training and saving: a user's callback that throws, a disk that fills up while a checkpoint or model
/// is written. The error says what happened, the user's previous files are intact, and nothing is left behind.
/// </summary>
[TestClass]
public sealed class TrainingFaultTests
{
    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void Fit_ProgressCallbackThrows_ThatExceptionSurfacesAndTheNextFitWorks()
    {
        var ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml);
        var failure = new InvalidOperationException("The progress bar's window was closed.");
        InceptionOptions options = DigitsPipeline.QuickOptions();
        options.Epochs = 2;
        options.EpochCompleted = _ => throw failure;

        InvalidOperationException thrown = Assert.ThrowsExactly<InvalidOperationException>(() => DigitsPipeline.Create(ml, options).Fit(train));

        Assert.AreSame(failure, thrown, "The callback's own exception reaches the caller, not a wrapper that hides it.");
        var model = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(train);
        float[][] scores = model.Transform(train).GetColumn<float[]>("Score").ToArray();
        Assert.HasCount(200, scores, "20 digits of each of 10 classes.");
        Assert.IsTrue(scores.All(s => s.All(float.IsFinite)));
    }

    [TestMethod]
    public void AtomicWrite_WriterFailsHalfway_PreviousFileIntactAndNoTemporaryFile()
    {
        string folder = Directory.CreateTempSubdirectory("inception-atomic-").FullName;
        try
        {
            string target = Path.Combine(folder, "model.onnx");
            File.WriteAllText(target, "the previous model");

            IOException e = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(target, "ONNX", stream =>
            {
                stream.Write(new byte[100_000]);
                throw new IOException("No space left on device");
            }));

            Assert.AreEqual($"Could not write the ONNX file '{target}': No space left on device. The previous file, if any, is intact.", e.Message);
            Assert.AreEqual("the previous model", File.ReadAllText(target));
            CollectionAssert.AreEqual(new[] { target }, Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void SaveCheckpoint_DiskFills_PreviousCheckpointIntactAndNoTemporaryFile()
    {
        var ml = new MLContext(seed: 1);
        var model = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(DigitsPipeline.SmallTrain(ml));
        using var disk = SmallDisk.WithRoomForOneAndAHalf(model.LastTransformer.SaveCheckpoint);
        string checkpoint = disk.WithPreviousFile("digits.ckpt");
        byte[] previous = File.ReadAllBytes(checkpoint);

        IOException e = Assert.Throws<IOException>(() => model.LastTransformer.SaveCheckpoint(checkpoint));

        StringAssert.Contains(e.Message, "No space left on device");
        CollectionAssert.AreEqual(previous, File.ReadAllBytes(checkpoint), "The previous checkpoint must be intact.");
        CollectionAssert.AreEqual(new[] { checkpoint }, disk.Files(), "No temporary file may be left behind.");
        Assert.HasCount(10, InceptionCheckpoint.Load(checkpoint).ClassNames, "The previous checkpoint still loads.");
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public void SaveAtomically_DiskFills_PreviousModelIntactWhereMLNetsSaveTruncatesIt()
    {
        // The user retrains a wider model over the previous one on a disk with room for the previous one and a half.
        var ml = new MLContext(seed: 1);
        IDataView train = DigitsPipeline.SmallTrain(ml);
        var previousModel = DigitsPipeline.Create(ml, DigitsPipeline.QuickOptions()).Fit(train);
        InceptionOptions wider = DigitsPipeline.QuickOptions();
        wider.WidthMultiplier = 0.5;
        var model = DigitsPipeline.Create(ml, wider).Fit(train);
        using var disk = SmallDisk.WithRoomForOneAndAHalf(path => ml.Model.Save(previousModel, train.Schema, path));
        string zip = disk.WithPreviousFile("model.zip");
        byte[] previous = File.ReadAllBytes(zip);

        IOException e = Assert.Throws<IOException>(() => ml.Model.SaveAtomically(model, train.Schema, zip));

        StringAssert.Contains(e.Message, "No space left on device");
        CollectionAssert.AreEqual(previous, File.ReadAllBytes(zip), "The previous model must be intact.");
        CollectionAssert.AreEqual(new[] { zip }, disk.Files(), "No temporary file may be left behind.");
        float[][] scores = ml.Model.Load(zip, out _).Transform(train).GetColumn<float[]>("Score").ToArray();
        Assert.HasCount(200, scores, "The previous model still loads and scores.");

        // Why SaveAtomically exists: ML.NET's own Save truncates the file before writing, so the same failure
        // leaves the previous model broken.
        Assert.Throws<IOException>(() => ml.Model.Save(model, train.Schema, zip));
        Assert.IsFalse(previous.AsSpan().SequenceEqual(File.ReadAllBytes(zip)), "ML.NET's Save rewrote the file in place.");
        Assert.Throws<Exception>(() => ml.Model.Load(zip, out _), "The previous model no longer loads after ML.NET's Save failed.");
    }

    /// <summary>
    /// A real full disk: a tmpfs mounted in a temporary folder with room for one file of the measured size and half of
    /// another. Mounting needs root (CAP_SYS_ADMIN), which CI has; elsewhere the test is inconclusive.
    /// </summary>
    private sealed class SmallDisk : IDisposable
    {
        private readonly string scratch;
        private readonly string mountPoint;
        private readonly string measured;

        private SmallDisk(string scratch, string mountPoint, string measured)
        {
            this.scratch = scratch;
            this.mountPoint = mountPoint;
            this.measured = measured;
        }

        /// <summary>Writes a file with <paramref name="save"/> to measure it, then mounts a disk 1.5 times its size.</summary>
        public static SmallDisk WithRoomForOneAndAHalf(Action<string> save)
        {
            string scratch = Directory.CreateTempSubdirectory("inception-small-disk-").FullName;
            string mountPoint = Path.Combine(scratch, "small-disk");
            Directory.CreateDirectory(mountPoint);
            string measured = Path.Combine(scratch, "measured");
            save(measured);
            long size = new FileInfo(measured).Length;
            if (!Run("mount", "-t", "tmpfs", "-o", $"size={size * 3 / 2 / 1024}k", "tmpfs", mountPoint))
            {
                Directory.Delete(scratch, recursive: true);
                Assert.Inconclusive("Mounting a small tmpfs needs root (CAP_SYS_ADMIN); the writer's failure path is covered by AtomicWrite_WriterFailsHalfway_PreviousFileIntactAndNoTemporaryFile.");
            }

            return new SmallDisk(scratch, mountPoint, measured);
        }

        /// <summary>Copies the measured file onto the disk as the user's previous file and returns its path.</summary>
        public string WithPreviousFile(string name)
        {
            string path = Path.Combine(mountPoint, name);
            File.Copy(measured, path);
            return path;
        }

        public string[] Files() => Directory.GetFiles(mountPoint);

        public void Dispose()
        {
            Run("umount", mountPoint);
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static bool Run(string program, params string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (string argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using Process process = Process.Start(start)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}

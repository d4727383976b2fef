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

            IOException e = Assert.ThrowsExactly<IOException>(() => AtomicFile.Write(target, stream =>
            {
                stream.Write(new byte[100_000]);
                throw new IOException("No space left on device");
            }));

            Assert.AreEqual("No space left on device", e.Message);
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
        string scratch = Directory.CreateTempSubdirectory("inception-checkpoint-").FullName;
        string mountPoint = Path.Combine(scratch, "small-disk");
        Directory.CreateDirectory(mountPoint);
        try
        {
            string measured = Path.Combine(scratch, "size.ckpt");
            model.LastTransformer.SaveCheckpoint(measured);
            long size = new FileInfo(measured).Length;

            // A real full disk: a tmpfs with room for the previous checkpoint and half of another.
            if (!Run("mount", "-t", "tmpfs", "-o", $"size={size * 3 / 2 / 1024}k", "tmpfs", mountPoint))
            {
                Assert.Inconclusive("Mounting a small tmpfs needs root (CAP_SYS_ADMIN); the writer's failure path is covered by AtomicWrite_WriterFailsHalfway_PreviousFileIntactAndNoTemporaryFile.");
            }

            string checkpoint = Path.Combine(mountPoint, "digits.ckpt");
            File.Copy(measured, checkpoint);
            byte[] previous = File.ReadAllBytes(checkpoint);

            IOException e = Assert.Throws<IOException>(() => model.LastTransformer.SaveCheckpoint(checkpoint));

            StringAssert.Contains(e.Message, "No space left on device");
            CollectionAssert.AreEqual(previous, File.ReadAllBytes(checkpoint), "The previous checkpoint must be intact.");
            CollectionAssert.AreEqual(new[] { checkpoint }, Directory.GetFiles(mountPoint), "No temporary file may be left behind.");
            Assert.HasCount(10, InceptionCheckpoint.Load(checkpoint).ClassNames, "The previous checkpoint still loads.");
        }
        finally
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

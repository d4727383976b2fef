using System.Runtime.InteropServices;
using TorchSharp;

namespace Microsoft.ML.Inception.Tests.Training;

/// <summary>
/// Full fine-tuning trains the backbone at a fraction of the classifiers' learning rate; head-only trains fc alone; a step
/// never reads a hyperparameter that the garbage collector has already freed.
/// </summary>
[TestClass]
public sealed class TrainingOptimizerTests
{
    private static readonly GoogLeNetOptions Network = new() { WidthMultiplier = 0.125, NumberOfClasses = 4 };

    [TestMethod]
    public void Full_WithBackboneFactor_ScalesTheBackboneGroupOnly()
    {
        using var network = new GoogLeNet(Network);
        var options = new InceptionOptions { PretrainedWeights = "w.safetensors", FineTuning = InceptionFineTuning.Full, BackboneLearningRateFactor = 0.1 };
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(options, network, resume: null, channel: null!);

        optimizer.SetLearningRate(0.05);

        Assert.AreEqual(2, optimizer.GroupCount);
        Assert.AreEqual(0.005, optimizer.LearningRates[0], 1e-12, "backbone");
        Assert.AreEqual(0.05, optimizer.LearningRates[1], 1e-12, "classifiers");
        Assert.AreEqual(network.parameters().Count(), optimizer.ParameterCount);
    }

    [TestMethod]
    public void FromScratch_OneGroupOverEveryParameter()
    {
        using var network = new GoogLeNet(Network);
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(new InceptionOptions(), network, resume: null, channel: null!);

        Assert.AreEqual(1, optimizer.GroupCount);
        Assert.AreEqual(network.parameters().Count(), optimizer.ParameterCount);
    }

    [TestMethod]
    public void HeadOnly_OptimisesTheClassifierFcAlone()
    {
        using var network = new GoogLeNet(Network);
        var options = new InceptionOptions { PretrainedWeights = "w.safetensors", FineTuning = InceptionFineTuning.HeadOnly };
        using TrainingOptimizer optimizer = TrainingOptimizer.Create(options, network, resume: null, channel: null!);

        Assert.AreEqual(1, optimizer.GroupCount);
        Assert.AreEqual(2, optimizer.ParameterCount, "fc.weight and fc.bias");
    }

    [TestMethod]
    [TestCategory("Slow")]
    public void Step_WhileAnotherThreadKeepsTheCollectorBusy_NeverFails()
    {
        // TorchSharp's SGD converts momentum, weight decay and learning rate to Scalars for every parameter tensor and
        // keeps none alive during the native call: with collections during the steps, five of the first few hundred
        // steps read a Scalar the finalizer had freed and failed in libtorch before Step kept collections out.
        using var network = new GoogLeNet(Network);
        using (torch.NewDisposeScope())
        {
            network.train();
            network.ForwardWithAuxiliary(torch.rand(2, 3, 32, 32)).Logits.sum().backward();
        }

        using TrainingOptimizer optimizer = TrainingOptimizer.Create(new InceptionOptions { WeightDecay = 5e-4 }, network, resume: null, channel: null!);
        optimizer.SetLearningRate(1e-9);
        // Another thread allocates 4 MiB (in small arrays) each time a step starts, so collections happen during the
        // steps, as the training thread's own allocations cause them in Fit, while a step never sees more than a few
        // MiB allocated meanwhile, however the threads are scheduled on a busy machine.
        bool stop = false;
        long started = 0;
        var allocator = new Thread(() =>
        {
            var kept = new byte[1024][];
            long seen = 0;
            while (!Volatile.Read(ref stop))
            {
                long current = Volatile.Read(ref started);
                if (current == seen)
                {
                    Thread.Yield();
                    continue;
                }

                seen = current;
                for (int i = 0; i < kept.Length; i++)
                {
                    kept[i] = new byte[4096];
                }
            }
        });
        allocator.Start();
        var failures = new List<string>();
        const int Steps = 3000;
        try
        {
            for (int step = 0; step < Steps && failures.Count < 5; step++)
            {
                try
                {
                    using var scope = torch.NewDisposeScope();
                    Interlocked.Increment(ref started);
                    optimizer.Step();
                }
                catch (ExternalException e)
                {
                    failures.Add($"step {step}: {e.Message.Split('\n')[0]}");
                }
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            allocator.Join();
        }

        Assert.IsEmpty(failures, string.Join("; ", failures));
        using (torch.NewDisposeScope())
        {
            Assert.IsTrue(network.parameters().All(p => p.isfinite().all().item<bool>()), "The steps left every weight finite.");
        }
    }
}

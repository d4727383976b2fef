using System.Runtime;
using System.Text;
using Microsoft.ML.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// The optimiser of a training run and its parameter groups: the whole network in one group; in
/// <see cref="InceptionFineTuning.Full"/> fine-tuning with a backbone factor, the backbone (every parameter but the
/// classifiers <c>fc</c>, <c>aux1</c>, <c>aux2</c>) and the classifiers in two, the backbone's learning rate scaled; in
/// <see cref="InceptionFineTuning.HeadOnly"/>, only <c>fc</c>. Parameters keep the network's order across the groups,
/// so the saved state lists them as a one-group optimiser over the same parameters would.
/// </summary>
internal sealed class TrainingOptimizer : IDisposable
{
    private static readonly string[] ClassifierPrefixes = ["fc.", "aux1.", "aux2."];

    /// <summary>Room for what one step allocates (a few small objects per parameter tensor) and for other threads meanwhile.</summary>
    private const long StepAllocationBudget = 16L << 20;
    private readonly optim.Optimizer optimizer;
    private readonly double[] factors;

    private TrainingOptimizer(optim.Optimizer optimizer, double[] factors, int parameterCount)
    {
        this.optimizer = optimizer;
        this.factors = factors;
        ParameterCount = parameterCount;
    }

    /// <summary>Parameter tensors the optimiser updates.</summary>
    public int ParameterCount { get; }

    public int GroupCount => factors.Length;

    /// <summary>The learning rate of each parameter group, in group order.</summary>
    public IReadOnlyList<double> LearningRates => optimizer.ParamGroups.Select(g => g.LearningRate).ToList();

    /// <summary>Creates the optimiser, restoring a checkpoint's state when it fits this run's parameters and groups.</summary>
    /// <param name="options">The run's options.</param>
    /// <param name="network">The network, its classifier rows already in the data's class order.</param>
    /// <param name="resume">The checkpoint training goes on from, or null.</param>
    /// <param name="channel">Where to say when the checkpoint's state cannot be restored.</param>
    /// <param name="resumedRows">The checkpoint's classifier row of each class, when the data number the classes in another order: the restored state of those rows is reordered like the rows.</param>
    public static TrainingOptimizer Create(InceptionOptions options, GoogLeNet network, InceptionCheckpoint? resume, IChannel channel, ClassifierRows? resumedRows = null)
    {
        var named = network.named_parameters().ToList();
        bool IsClassifier(string name) => ClassifierPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal));
        var groups = new List<(IReadOnlyList<Parameter> Parameters, double Factor)>();
        (string Type, long Groups, long States)? saved = resume is null ? null : Peek(resume.OptimizerState);
        if (options.EffectiveFineTuning == InceptionFineTuning.HeadOnly)
        {
            groups.Add((named.Where(p => p.name.StartsWith("fc.", StringComparison.Ordinal)).Select(p => p.parameter).ToList(), 1));
        }
        else if (options.BackboneLearningRateFactor != 1 || saved?.Groups == 2)
        {
            groups.Add((named.Where(p => !IsClassifier(p.name)).Select(p => p.parameter).ToList(), options.BackboneLearningRateFactor));
            groups.Add((named.Where(p => IsClassifier(p.name)).Select(p => p.parameter).ToList(), 1));
        }
        else
        {
            groups.Add((named.Select(p => p.parameter).ToList(), 1));
        }

        optim.Optimizer optimizer = options.Optimizer switch
        {
            InceptionOptimizer.AdamW => optim.AdamW(
                groups.Select(g => new AdamW.ParamGroup { Parameters = g.Parameters }), options.LearningRate, weight_decay: options.WeightDecay),
            _ => optim.SGD(
                groups.Select(g => new SGD.ParamGroup { Parameters = g.Parameters }), options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay),
        };
        var result = new TrainingOptimizer(optimizer, groups.Select(g => g.Factor).ToArray(), groups.Sum(g => g.Parameters.Count));
        result.SetLearningRate(options.LearningRate);
        if (result.Restore(options, resume, saved, channel) && resumedRows is not null)
        {
            // The optimiser lists its state parameter by parameter, group after group.
            Dictionary<object, string> names = named.ToDictionary(p => (object)p.parameter, p => p.name, ReferenceEqualityComparer.Instance);
            result.ReorderClassifierState(groups.SelectMany(g => g.Parameters).Select(p => names[p]).ToList(), resumedRows);
        }

        return result;
    }

    public void ZeroGrad() => optimizer.zero_grad();

    /// <summary>
    /// One optimiser step, with no garbage collection inside it. TorchSharp 0.107's SGD and AdamW hand their
    /// hyperparameters to libtorch as <see cref="TorchSharp.Scalar"/>s converted implicitly from double and keep no
    /// reference to them during the native call, so a collection in the middle of the step can finalize one, freeing
    /// its native memory while libtorch reads it: the step then fails ("Expected false to be true" from
    /// <c>c10::Scalar::toFloat</c>) or could read another value. Nothing created inside a no-GC region can be finalized
    /// before it ends. Where the region cannot start (the application is in one of its own) or other threads allocate
    /// past its budget meanwhile, the step runs as TorchSharp's alone would.
    /// </summary>
    public void Step()
    {
        bool region;
        try
        {
            region = GC.TryStartNoGCRegion(StepAllocationBudget);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentOutOfRangeException)
        {
            region = false;
        }

        try
        {
            optimizer.step();
        }
        finally
        {
            if (region && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion)
            {
                GC.EndNoGCRegion();
            }
        }
    }

    /// <summary>Sets the learning rate of the step: the classifiers get it as it is, the backbone scaled by its factor.</summary>
    public void SetLearningRate(double learningRate)
    {
        int i = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = learningRate * factors[i++];
        }
    }

    /// <summary>The optimiser's state (momentum or Adam moments, per-group options) in TorchSharp's format, for checkpoints.</summary>
    public byte[] SaveState()
    {
        using var state = new MemoryStream();
        using (var writer = new BinaryWriter(state, Encoding.UTF8, leaveOpen: true))
        {
            switch (optimizer)
            {
                case SGD sgd:
                    sgd.save_state_dict(writer);
                    break;
                case AdamW adamW:
                    adamW.save_state_dict(writer);
                    break;
            }
        }

        return state.ToArray();
    }

    public void Dispose() => optimizer.Dispose();

    /// <summary>Loads the checkpoint's optimiser state when it fits this run; returns whether it did.</summary>
    private bool Restore(InceptionOptions options, InceptionCheckpoint? resume, (string Type, long Groups, long States)? saved, IChannel channel)
    {
        if (resume is null)
        {
            return false;
        }

        if (resume.Metadata.Optimizer != options.Optimizer)
        {
            channel.Info(MessageSensitivity.None, $"The checkpoint was trained with {resume.Metadata.Optimizer}, this run uses {options.Optimizer}: the optimiser starts afresh.");
            return false;
        }

        if (saved is not (_, long groups, long states) || groups != GroupCount || states != ParameterCount)
        {
            channel.Info(MessageSensitivity.None,
                $"The checkpoint's optimiser state covers {saved?.States} parameter tensor(s) in {saved?.Groups} group(s), this run trains {ParameterCount} in {GroupCount} (another fine-tuning mode or backbone learning-rate factor): the optimiser starts afresh.");
            return false;
        }

        using var reader = new BinaryReader(new MemoryStream(resume.OptimizerState, writable: false));
        switch (optimizer)
        {
            case SGD sgd:
                sgd.load_state_dict(reader);
                break;
            case AdamW adamW:
                adamW.load_state_dict(reader);
                break;
        }

        return true;
    }

    /// <summary>Reorders the momentum buffers or Adam moments of the per-class classifier rows, as the rows themselves were.</summary>
    /// <param name="parameterNames">The name of each parameter, in the order the optimiser lists their state.</param>
    /// <param name="rows">The new order of the classes.</param>
    private void ReorderClassifierState(IReadOnlyList<string> parameterNames, ClassifierRows rows)
    {
        IList<OptimizerState> states = optimizer switch
        {
            SGD sgd => sgd.state_dict().State,
            AdamW adamW => adamW.state_dict().State,
            _ => [],
        };
        for (int i = 0; i < states.Count; i++)
        {
            if (!ClassifierRows.IsPerClass(parameterNames[i]))
            {
                continue;
            }

            switch (states[i])
            {
                case SGD.State sgd:
                    rows.Reorder(sgd.momentum_buffer);
                    break;
                case AdamW.State adamW:
                    rows.Reorder(adamW.exp_avg);
                    rows.Reorder(adamW.exp_avg_sq);
                    rows.Reorder(adamW.max_exp_avg_sq);
                    break;
            }
        }
    }

    /// <summary>
    /// The optimiser type, parameter-group count and state count that TorchSharp's <c>save_state_dict</c> writes first
    /// (a string, then two LEB128 numbers), or null when the bytes do not start that way.
    /// </summary>
    private static (string Type, long Groups, long States)? Peek(byte[] state)
    {
        try
        {
            using var reader = new BinaryReader(new MemoryStream(state, writable: false));
            string type = reader.ReadString();
            return (type, Leb128.Read(reader), Leb128.Read(reader));
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException)
        {
            return null;
        }
    }
}

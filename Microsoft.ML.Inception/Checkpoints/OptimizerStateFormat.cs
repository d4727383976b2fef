using System.Globalization;

namespace Microsoft.ML.Inception;

/// <summary>
/// Checks an optimiser state in TorchSharp's format (<c>save_state_dict(BinaryWriter)</c> of TorchSharp 0.107) before
/// TorchSharp reads it: the optimiser's type name (length-prefixed, as <see cref="BinaryWriter.Write(string)"/> writes
/// it), the number of parameter groups and of parameter states (LEB128), each group's hyperparameters, then each
/// parameter's state. SGD writes the initial learning rate, learning rate, momentum, dampening and weight decay
/// (doubles), then nesterov and maximize (booleans); per parameter a boolean and, when it is true, the momentum buffer.
/// AdamW writes the initial learning rate, learning rate, beta1, beta2, eps and weight decay, then amsgrad and maximize;
/// per parameter the step (a long), the first and second moments and a boolean followed, when it is true, by the
/// maximum second moment. Doubles and longs are little-endian; tensors are encoded as in <c>Module.save</c>.
/// </summary>
/// <remarks>
/// TorchSharp allocates from a state tensor's header before comparing it with its parameter (an array of the claimed
/// number of dimensions, and <c>torch.empty</c> of the claimed shape for a momentum buffer), so every state tensor must
/// have the element type and shape of a tensor of the weights (<see cref="StateDictFormat"/>), each weight tensor
/// matching one state: the optimiser's parameters are all of them, or the backbone's and the classifiers' in two
/// groups, or fc's alone (fine-tuning), so the order is not fixed.
/// </remarks>
internal static class OptimizerStateFormat
{
    private static readonly string[] SgdHyperparameters = ["initial learning rate", "learning rate", "momentum", "dampening", "weight decay"];
    private static readonly string[] AdamWHyperparameters = ["initial learning rate", "learning rate", "beta1", "beta2", "eps", "weight decay"];
    private static readonly string[] SgdFlags = ["nesterov", "maximize"];
    private static readonly string[] AdamWFlags = ["amsgrad", "maximize"];

    /// <summary>More parameter groups than the trainer ever makes (1, or 2 with a backbone learning-rate factor), not millions.</summary>
    private const int MaxGroups = 4;

    /// <summary>What is wrong with <paramref name="data"/>, or <see langword="null"/> when it is a state of <paramref name="optimizer"/> for these weights.</summary>
    /// <param name="data">The optimiser state.</param>
    /// <param name="optimizer">The optimiser that wrote it.</param>
    /// <param name="weights">The network's state_dict in <c>Module.save</c> format, already found sound by <see cref="StateDictFormat.Problem"/>.</param>
    /// <param name="nonFinite">The first state value that is NaN or infinite, as "the momentum_buffer of parameter 3, element 0", or null when all are finite.</param>
    public static string? Problem(ReadOnlySpan<byte> data, InceptionOptimizer optimizer, ReadOnlySpan<byte> weights, out string? nonFinite)
    {
        nonFinite = null;
        (string typeName, string[] hyperparameters, string[] flags) = optimizer switch
        {
            InceptionOptimizer.SgdMomentum => (nameof(TorchSharp.Modules.SGD), SgdHyperparameters, SgdFlags),
            InceptionOptimizer.AdamW => (nameof(TorchSharp.Modules.AdamW), AdamWHyperparameters, AdamWFlags),
            _ => throw new ArgumentOutOfRangeException(nameof(optimizer), optimizer, "Not an optimiser this version knows."),
        };

        var reader = new TorchSharpReader(data);
        if (!reader.TryReadString(out string name))
        {
            return "does not start with a readable optimiser name";
        }

        if (name != typeName)
        {
            return $"is not the state of {typeName}, the optimiser its checkpoint.json names";
        }

        if (!reader.TryReadNumber(out long groups) || !reader.TryReadNumber(out long states))
        {
            return "has no readable numbers of parameter groups and states";
        }

        if (groups is < 1 or > MaxGroups)
        {
            return string.Create(CultureInfo.InvariantCulture, $"claims {groups:N0} parameter groups (the trainer makes one, or two when fine-tuning with a backbone factor)");
        }

        for (long group = 0; group < groups; group++)
        {
            foreach (string hyperparameter in hyperparameters)
            {
                if (!reader.TryReadDouble(out double value) || !double.IsFinite(value))
                {
                    return $"has an unreadable or non-finite {hyperparameter}";
                }
            }

            foreach (string flag in flags)
            {
                if (!reader.TryReadBoolean(out _))
                {
                    return $"has an unreadable {flag} flag";
                }
            }
        }

        // The states follow the optimiser's parameters: all of parameters() from scratch, the backbone's and then the
        // classifiers' with a backbone factor, fc's alone for HeadOnly. Each state must have the type and shape of a
        // tensor of the (already checked) weights, each weight tensor serving once: nothing TorchSharp allocates from a
        // state's header can be larger than what the weights hold.
        var parameters = new TorchSharpReader(weights);
        if (!StateDictFormat.TryReadCount(ref parameters, out long tensors) || states > tensors)
        {
            return string.Create(CultureInfo.InvariantCulture, $"claims the states of {states:N0} parameters, more than the weights hold");
        }

        var unused = new List<(string Name, TensorHeader Header)>();
        for (long i = 0; i < tensors; i++)
        {
            if (!StateDictFormat.TryReadEntry(ref parameters, i, tensors, out string parameterName, out TensorHeader? parameter, out string? problem))
            {
                return $"cannot be checked against the weights, which {problem}";
            }

            unused.Add((parameterName, parameter));
        }

        for (long i = 0; i < states; i++)
        {
            string? problem = optimizer == InceptionOptimizer.AdamW
                ? AdamWStateProblem(ref reader, i, unused)
                : SgdStateProblem(ref reader, i, unused);
            if (problem is not null)
            {
                return problem;
            }
        }

        nonFinite = reader.FirstNonFinite;
        return reader.Remaining == 0
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"has {reader.Remaining:N0} bytes after its last state");
    }

    /// <summary>Reads SGD's state of one parameter: a boolean and, when it is true, the momentum buffer.</summary>
    private static string? SgdStateProblem(ref TorchSharpReader reader, long index, List<(string Name, TensorHeader Header)> unused)
    {
        if (!reader.TryReadBoolean(out bool hasMomentumBuffer))
        {
            return string.Create(CultureInfo.InvariantCulture, $"has an unreadable state for parameter {index}");
        }

        return hasMomentumBuffer ? StateTensorProblem(ref reader, "momentum_buffer", index, unused, consume: true) : null;
    }

    /// <summary>Reads AdamW's state of one parameter: the step, exp_avg, exp_avg_sq, and a boolean followed, when it is true, by max_exp_avg_sq.</summary>
    private static string? AdamWStateProblem(ref TorchSharpReader reader, long index, List<(string Name, TensorHeader Header)> unused)
    {
        if (!reader.TryReadInt64(out long step) || step < 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"has an unreadable or negative step count for parameter {index}");
        }

        if (!reader.TrySkipTensor(Describe("exp_avg", index), out TensorHeader? firstMoment, out string? problem))
        {
            return problem;
        }

        int match = unused.FindIndex(p => firstMoment.Matches(p.Header));
        if (match < 0)
        {
            return $"gives {Describe("exp_avg", index)} the shape {firstMoment}, which no tensor of the weights has";
        }

        TensorHeader parameter = unused[match].Header;
        unused.RemoveAt(match);
        if (!reader.TrySkipTensor(Describe("exp_avg_sq", index), out TensorHeader? secondMoment, out problem))
        {
            return problem;
        }

        if (!secondMoment.Matches(parameter))
        {
            return $"gives {Describe("exp_avg_sq", index)} the shape {secondMoment}, but its exp_avg is {parameter}";
        }

        if (!reader.TryReadBoolean(out bool hasMaximum))
        {
            return string.Create(CultureInfo.InvariantCulture, $"has an unreadable state for parameter {index}");
        }

        if (hasMaximum)
        {
            if (!reader.TrySkipTensor(Describe("max_exp_avg_sq", index), out TensorHeader? maximum, out problem))
            {
                return problem;
            }

            if (!maximum.Matches(parameter))
            {
                return $"gives {Describe("max_exp_avg_sq", index)} the shape {maximum}, but its exp_avg is {parameter}";
            }
        }

        return null;
    }

    /// <summary>Reads a state tensor, which must have the element type and shape of a weight tensor not yet matched.</summary>
    private static string? StateTensorProblem(ref TorchSharpReader reader, string state, long index, List<(string Name, TensorHeader Header)> unused, bool consume)
    {
        string description = Describe(state, index);
        if (!reader.TrySkipTensor(description, out TensorHeader? tensor, out string? problem))
        {
            return problem;
        }

        int match = unused.FindIndex(p => tensor.Matches(p.Header));
        if (match < 0)
        {
            return $"gives {description} the shape {tensor}, which no tensor of the weights has";
        }

        if (consume)
        {
            unused.RemoveAt(match);
        }

        return null;
    }

    private static string Describe(string state, long index) => string.Create(CultureInfo.InvariantCulture, $"the {state} of parameter {index}");
}

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// A new order of the classes for a trained network: for each class in the new order, its row in the network's
/// classifiers (<c>fc</c> and the auxiliary heads' last layers, whose weight and bias have one row per class).
/// Reordering those rows, and the optimiser's state for them, gives the network training would have produced had the
/// classes been numbered in the new order from the start: every other parameter is shared by all classes.
/// </summary>
internal sealed class ClassifierRows
{
    /// <summary>The parameters with one row per class, by their state_dict names.</summary>
    private static readonly string[] PerClassParameters =
        ["fc.weight", "fc.bias", "aux1.fc2.weight", "aux1.fc2.bias", "aux2.fc2.weight", "aux2.fc2.bias"];

    private readonly long[] rows;

    /// <param name="rows">For each class in the new order, its row in the network.</param>
    public ClassifierRows(long[] rows) => this.rows = rows;

    /// <summary>Whether the parameter of this name has one row per class.</summary>
    public static bool IsPerClass(string parameterName) => PerClassParameters.Contains(parameterName, StringComparer.Ordinal);

    /// <summary>Reorders the per-class rows of the network's classifiers in place.</summary>
    public void Reorder(GoogLeNet network)
    {
        foreach ((string name, TorchSharp.Modules.Parameter parameter) in network.named_parameters())
        {
            if (IsPerClass(name))
            {
                Reorder(parameter);
            }
        }
    }

    /// <summary>Reorders the first dimension of a per-class tensor (a classifier's weight or bias, or optimiser state of the same shape) in place.</summary>
    public void Reorder(Tensor? perClass)
    {
        if (perClass is null || perClass.IsInvalid)
        {
            return;
        }

        using var noGrad = torch.no_grad();
        using Tensor index = torch.tensor(rows, device: perClass.device);
        using Tensor reordered = perClass.index_select(0, index);
        perClass.copy_(reordered);
    }
}

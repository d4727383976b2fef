using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>Finds NaN and infinity in a network's live tensors: its weights and batch-norm statistics, or its gradients.</summary>
internal static class FiniteTensors
{
    /// <summary>The name of the first parameter or buffer (batch-norm statistics included) holding NaN or infinity, or null.</summary>
    public static string? FirstInWeights(nn.Module network) =>
        First(network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers().Select(b => (b.name, b.buffer))));

    /// <summary>The name of the first parameter whose gradient holds NaN or infinity, or null.</summary>
    public static string? FirstInGradients(nn.Module network)
    {
        var gradients = network.named_parameters().Where(p => p.parameter.grad is not null).Select(p => (p.name, p.parameter.grad!)).ToList();
        using (var scope = torch.NewDisposeScope())
        {
            // One check over all of them, so a healthy training step waits for the values once.
            if (gradients.Count == 0 || torch.stack(gradients.Select(g => g.Item2.isfinite().all()).ToArray()).all().item<bool>())
            {
                return null;
            }
        }

        return First(gradients);
    }

    private static string? First(IEnumerable<(string Name, Tensor Tensor)> tensors)
    {
        foreach ((string name, Tensor tensor) in tensors)
        {
            using var scope = torch.NewDisposeScope();
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
            {
                return name;
            }
        }

        return null;
    }
}

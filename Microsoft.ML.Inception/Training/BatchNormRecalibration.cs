using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// "Precise BN" (Wu and Johnson, 2021, "Rethinking 'Batch' in BatchNorm"): replaces every batch norm's running mean and
/// variance with exact averages over training images, computed with the final weights in training-mode forward passes
/// without gradients.
/// </summary>
/// <remarks>
/// During training each batch norm keeps an exponential moving average of its batches' statistics (momentum 0.1 in
/// PyTorch's terms). After a few dozen optimiser steps that average still holds a good part of its initial values (0.9^15
/// = 21% after 15 steps) and of statistics computed with weights that have since changed, and evaluation mode, which
/// scoring and the ONNX export use, normalises with it: a model trained on 150 images for 15 steps scored its own training
/// images far below the accuracy training reported. Averaging over the images with the final weights removes both errors.
/// The images are not augmented, so the statistics are those of the images the model will score.
/// </remarks>
internal sealed class BatchNormRecalibration
{
    /// <summary>At most this many training images (a seeded random subset of larger sets): the averages have long converged by then.</summary>
    public const int MaximumImages = 10_000;

    private readonly GoogLeNet network;
    private readonly LabeledImages train;
    private readonly Tensor mean;
    private readonly Tensor std;
    private readonly Device device;
    private readonly int batchSize;
    private readonly IChannel channel;

    /// <param name="network">The network being trained.</param>
    /// <param name="train">The training images, as the training loop reads them.</param>
    /// <param name="mean">1 x C x 1 x 1 normalisation mean on <paramref name="device"/>.</param>
    /// <param name="std">1 x C x 1 x 1 normalisation standard deviation on <paramref name="device"/>.</param>
    /// <param name="device">The training device.</param>
    /// <param name="batchSize">The training batch size: batch statistics are computed over batches as large as training's, as the running averages were.</param>
    /// <param name="channel">Where the time it took is reported.</param>
    public BatchNormRecalibration(GoogLeNet network, LabeledImages train, Tensor mean, Tensor std, Device device, int batchSize, IChannel channel)
    {
        this.network = network;
        this.train = train;
        this.mean = mean;
        this.std = std;
        this.device = device;
        this.batchSize = batchSize;
        this.channel = channel;
    }

    /// <summary>
    /// Whether training with these options recomputes the statistics: the option is on, the backbone trains (head-only
    /// fine-tuning leaves every batch norm as the weight file had it), and the network has batch norm (the paper's variant has none).
    /// </summary>
    public static bool AppliesTo(InceptionOptions options, GoogLeNet network) =>
        options.RecomputeBatchNormStatistics
        && options.EffectiveFineTuning != InceptionFineTuning.HeadOnly
        && BatchNorms(network).Count > 0;

    /// <summary>
    /// Recomputes the running mean and variance of every batch norm (the auxiliary classifiers' included) over up to
    /// <see cref="MaximumImages"/> training images drawn with <paramref name="seed"/>. Weights, the number of tracked
    /// batches and each module's momentum are left as they were; the network is left in training mode. Not cancellable:
    /// it finishes the epoch whose batches have all run, and is bounded by <see cref="MaximumImages"/> forward passes.
    /// </summary>
    /// <param name="seed">Seed of the subset when there are more than <see cref="MaximumImages"/> images.</param>
    public void Recompute(long seed)
    {
        IReadOnlyList<BatchNorm2d> norms = BatchNorms(network);
        int count = Math.Min(train.Count, MaximumImages);

        // Batch norm cannot compute training statistics of a single image at the smallest sizes (a 1x1 map per channel),
        // so a last batch of one image is left out.
        int usable = count - (count % batchSize == 1 && count > 1 ? 1 : 0);
        if (norms.Count == 0 || usable < 2)
        {
            return;
        }

        var watch = Stopwatch.StartNew();
        var saved = norms.Select(n => (Momentum: n.momentum, Tracked: n.num_batches_tracked?.clone())).ToList();
        var meanSums = norms.Select(n => torch.zeros_like(n.running_mean!)).ToList();
        var varianceSums = norms.Select(n => torch.zeros_like(n.running_var!)).ToList();
        try
        {
            // Momentum 1 makes each forward pass overwrite the running statistics with its batch's (the variance unbiased,
            // as PyTorch keeps it), which are then averaged here, weighted by batch size.
            foreach (BatchNorm2d norm in norms)
            {
                norm.momentum = 1.0;
            }

            using var generator = new torch.Generator((ulong)seed);
            using Tensor candidates = train.Count > count ? torch.randperm(train.Count, generator: generator) : torch.arange(count);
            using Tensor order = candidates.narrow(0, 0, count);
            network.train();
            using (torch.no_grad())
            {
                for (int start = 0; start < usable; start += batchSize)
                {
                    using var scope = torch.NewDisposeScope();
                    int batch = Math.Min(batchSize, usable - start);
                    Tensor images = train.Images.index_select(0, order.narrow(0, start, batch)).to(device);
                    network.call(FullNetworkForwardPass.Normalize(images, mean, std));
                    // Held, not converted implicitly: libtorch reads the Scalar after the call has taken its handle (see TrainingOptimizer.Step).
                    using Scalar weight = (batch / (double)usable).ToScalar();
                    for (int i = 0; i < norms.Count; i++)
                    {
                        meanSums[i].add_(norms[i].running_mean!, alpha: weight);
                        varianceSums[i].add_(norms[i].running_var!, alpha: weight);
                    }
                }

                for (int i = 0; i < norms.Count; i++)
                {
                    norms[i].running_mean!.copy_(meanSums[i]);
                    norms[i].running_var!.copy_(varianceSums[i]);
                }
            }
        }
        finally
        {
            for (int i = 0; i < norms.Count; i++)
            {
                norms[i].momentum = saved[i].Momentum;
                if (saved[i].Tracked is Tensor tracked)
                {
                    norms[i].num_batches_tracked!.copy_(tracked);
                    tracked.Dispose();
                }

                meanSums[i].Dispose();
                varianceSums[i].Dispose();
            }
        }

        channel.Info(MessageSensitivity.None, string.Create(CultureInfo.InvariantCulture,
            $"Recomputed the running statistics of {norms.Count} batch norms over {usable} training images with the final weights in {watch.Elapsed.TotalSeconds:F1} s ({nameof(InceptionOptions.RecomputeBatchNormStatistics)})."));
    }

    private static List<BatchNorm2d> BatchNorms(GoogLeNet network) =>
        network.modules().OfType<BatchNorm2d>().Where(n => n.running_mean is not null && n.running_var is not null).ToList();
}

using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Inception;

/// <summary>
/// Light augmentation of a normalised training batch: random crops (pad by an eighth of the size with zeros,
/// i.e. the mean, then crop back at a random offset) and random horizontal flips, drawn from a seeded generator.
/// </summary>
internal sealed class BatchAugmenter
{
    private readonly bool crop;
    private readonly bool flip;
    private readonly Random random;

    public BatchAugmenter(bool crop, bool flip, int seed)
    {
        this.crop = crop;
        this.flip = flip;
        random = new Random(seed);
    }

    public bool IsActive => crop || flip;

    /// <summary>Returns the augmented batch (a new tensor in the current dispose scope).</summary>
    public Tensor Apply(Tensor batch)
    {
        long n = batch.shape[0];
        long h = batch.shape[2];
        long w = batch.shape[3];
        Tensor result = batch;
        if (crop)
        {
            int pad = (int)Math.Max(1, Math.Min(h, w) / 8);
            Tensor padded = nn.functional.pad(batch, [pad, pad, pad, pad]);
            var crops = new Tensor[n];
            for (int i = 0; i < n; i++)
            {
                int dy = random.Next(2 * pad + 1);
                int dx = random.Next(2 * pad + 1);
                crops[i] = padded[i].narrow(1, dy, h).narrow(2, dx, w);
            }

            result = torch.stack(crops);
        }

        if (flip)
        {
            bool[] mirrored = Enumerable.Range(0, (int)n).Select(_ => random.Next(2) == 1).ToArray();
            Tensor mask = torch.tensor(mirrored, device: batch.device).view(n, 1, 1, 1);
            result = torch.where(mask, result.flip(3), result);
        }

        return result;
    }
}

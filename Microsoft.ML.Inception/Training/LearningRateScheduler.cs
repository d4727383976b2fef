namespace Microsoft.ML.Inception;

/// <summary>The learning rate of every optimisation step under an <see cref="InceptionLearningRateSchedule"/>.</summary>
internal static class LearningRateScheduler
{
    private const double OneCycleWarmupShare = 0.3;
    private const double OneCycleStartDivisor = 25;
    private const double OneCycleEndDivisor = 1e4;

    /// <param name="schedule">The schedule.</param>
    /// <param name="peak">The configured learning rate.</param>
    /// <param name="step">The 0-based step over the whole training run.</param>
    /// <param name="stepsPerEpoch">Optimisation steps in one epoch.</param>
    /// <param name="epochs">Epochs in the whole run.</param>
    public static double At(InceptionLearningRateSchedule schedule, double peak, long step, int stepsPerEpoch, int epochs)
    {
        long total = Math.Max(1L, (long)stepsPerEpoch * epochs);
        double progress = Math.Clamp(step / (double)total, 0, 1);
        switch (schedule)
        {
            case InceptionLearningRateSchedule.Constant:
                return peak;
            case InceptionLearningRateSchedule.PaperStep:
                // "decreasing the learning rate by 4% every 8 epochs" (Szegedy et al., section 6).
                return peak * Math.Pow(0.96, step / stepsPerEpoch / 8);
            case InceptionLearningRateSchedule.Cosine:
                return peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
            case InceptionLearningRateSchedule.OneCycle:
                double start = peak / OneCycleStartDivisor;
                if (progress < OneCycleWarmupShare)
                {
                    return start + ((peak - start) * progress / OneCycleWarmupShare);
                }

                double end = peak / OneCycleEndDivisor;
                double annealed = (progress - OneCycleWarmupShare) / (1 - OneCycleWarmupShare);
                return end + ((peak - end) * 0.5 * (1 + Math.Cos(Math.PI * annealed)));
            default:
                throw new ArgumentOutOfRangeException(nameof(schedule), schedule, "Unknown learning-rate schedule.");
        }
    }
}

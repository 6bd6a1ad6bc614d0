namespace IlgpuVae.Runner.Experiments;

/// <summary>
/// When a learning-curve experiment evaluates: at training-sample counts spaced evenly on a log axis
/// (<c>perDecade</c> points per factor of ten, from the first step on), each rounded up to a whole
/// optimizer step, plus the last step — so a curve on the paper's log axis has its points evenly spread
/// rather than bunched at the right, as one point per epoch would be.
/// </summary>
internal static class EvaluationSchedule
{
    /// <summary>The steps (1-based counts of optimizer steps) after which to evaluate, ascending, ending at <paramref name="totalSteps"/>.</summary>
    public static List<long> Steps(long totalSteps, int batchSize, int perDecade)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perDecade, 1);
        var steps = new SortedSet<long>();
        for (int k = 0; ; k++)
        {
            double samples = batchSize * Math.Pow(10, (double)k / perDecade);
            long step = (long)Math.Ceiling(samples / batchSize - 1e-9);
            if (step >= totalSteps) break;
            steps.Add(step);
        }
        steps.Add(totalSteps);
        return [.. steps];
    }
}

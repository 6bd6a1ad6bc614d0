using IlgpuVae.Runner.Experiments;
using NUnit.Framework;

namespace IlgpuVae.Tests.Experiments;

/// <summary>The log-spaced evaluation points of the learning-curve experiment.</summary>
[TestFixture]
public sealed class EvaluationScheduleTests
{
    [Test]
    public void PointsAreLogSpacedWholeStepsEndingAtTheLastStep()
    {
        // Batch 100, 6000 steps (10 epochs of MNIST), 2 points per decade: 10², 10^2.5, 10³, … samples.
        var steps = EvaluationSchedule.Steps(6000, 100, 2);
        Assert.That(steps, Is.EqualTo(new long[] { 1, 4, 10, 32, 100, 317, 1000, 3163, 6000 }));
    }

    [Test]
    public void EveryPointIsUniqueAndAscending()
    {
        var steps = EvaluationSchedule.Steps(50, 100, 20);
        Assert.That(steps, Is.Ordered.Ascending);
        Assert.That(steps.Distinct().Count(), Is.EqualTo(steps.Count));
        Assert.That(steps[^1], Is.EqualTo(50));
        Assert.That(EvaluationSchedule.Steps(1, 100, 4), Is.EqualTo(new long[] { 1 }));
    }
}

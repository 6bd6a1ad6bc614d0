using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Distributed;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Model;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Distributed;

/// <summary>
/// Data-parallel training gives the bits of one process for every number of ranks the minibatch's parts
/// allow: parameters, optimizer state, the epoch's minibatch ELBOs and the test ELBO, on every rank. The
/// ranks are threads (<see cref="ThreadRanks"/>), each with its own CPU accelerator; 200 images of 8×8,
/// batch 20, a 64-16-4 model, so a run takes milliseconds.
/// </summary>
[TestFixture]
public sealed class DataParallelTrainingTests
{
    private static readonly Dataset Data = SyntheticImages.Dataset(200, 50, flip: 0.1, grey: true);

    private sealed record Outcome(TrainingState State, double TrainElbo, double? TestElbo);

    private static Outcome TrainAlone(ModelConfig model, TrainingConfig training, int epochs)
    {
        using var cpu = new CpuAccelerator(1);
        using var trainer = new Trainer(cpu, model, training, Data);
        EpochMetrics? last = null;
        for (int e = 0; e < epochs; e++) last = trainer.TrainEpoch();
        return new Outcome(trainer.CaptureState(), last!.TrainElbo, last.TestElbo);
    }

    private static Outcome[] TrainOnRanks(int size, ModelConfig model, TrainingConfig training, int epochs, TrainingState? resume = null) =>
        ThreadRanks.Run(size, ranks =>
        {
            using var cpu = new CpuAccelerator(1);
            using var trainer = new Trainer(cpu, model, training, Data, resume, ranks);
            EpochMetrics? last = null;
            for (int e = 0; e < epochs; e++) last = trainer.TrainEpoch();
            return new Outcome(trainer.CaptureState(), last!.TrainElbo, last.TestElbo);
        });

    private static void AssertSame(Outcome expected, Outcome actual, string what)
    {
        Assert.That(actual.State.Step, Is.EqualTo(expected.State.Step), $"{what}: step");
        BitEqual(expected.State.Parameters, actual.State.Parameters, $"{what}: parameters");
        BitEqual(expected.State.OptimizerState0, actual.State.OptimizerState0, $"{what}: optimizer state 0");
        if (expected.State.OptimizerState1 is { } s1) BitEqual(s1, actual.State.OptimizerState1!, $"{what}: optimizer state 1");
        Assert.That(BitConverter.DoubleToInt64Bits(actual.TrainElbo), Is.EqualTo(BitConverter.DoubleToInt64Bits(expected.TrainElbo)), $"{what}: train ELBO");
        Assert.That(actual.TestElbo, Is.EqualTo(expected.TestElbo), $"{what}: test ELBO");
    }

    /// <summary>The paper's setup in small: every rank count from 1 to the 12 parts gives one process's bits.</summary>
    [Test]
    public void EveryRankCountUpToThePartsGivesTheSameBits()
    {
        var training = new TrainingConfig { BatchSize = 20, BatchParts = 12, Seed = 5, Binarization = Binarization.Dynamic, LearningRate = 0.05f };
        var alone = TrainAlone(DeterminismTests.Model(), training, 2);
        foreach (int size in new[] { 1, 2, 3, 4, 5, 12 })
        {
            var outcomes = TrainOnRanks(size, DeterminismTests.Model(), training, 2);
            for (int r = 0; r < size; r++) AssertSame(alone, outcomes[r], $"{size} ranks, rank {r}");
        }
    }

    /// <summary>Two samples per datapoint (the decoder's rows are parted by datapoint), the Monte Carlo KL, Adam, a Gaussian decoder.</summary>
    [Test]
    public void SamplesGaussianAndAdamGiveTheSameBits()
    {
        var model = DeterminismTests.Model(Likelihood.Gaussian, KlEstimator.MonteCarlo, samples: 2);
        var training = new TrainingConfig { BatchSize = 20, BatchParts = 6, Seed = 9, Optimizer = OptimizerKind.Adam, WeightDecay = 1e-3f };
        var alone = TrainAlone(model, training, 1);
        foreach (int size in new[] { 2, 4, 6 })
        {
            var outcomes = TrainOnRanks(size, model, training, 1);
            for (int r = 0; r < size; r++) AssertSame(alone, outcomes[r], $"{size} ranks, rank {r}");
        }
    }

    /// <summary>The parts change the bits (the sums are per part), so the partition is a setting of the run, not a detail.</summary>
    [Test]
    public void ThePartsAreASettingThatChangesTheBits()
    {
        var one = TrainAlone(DeterminismTests.Model(), new TrainingConfig { BatchSize = 20, BatchParts = 1, Seed = 5 }, 1);
        var twelve = TrainAlone(DeterminismTests.Model(), new TrainingConfig { BatchSize = 20, BatchParts = 12, Seed = 5 }, 1);
        Assert.That(twelve.State.Parameters.Select(Bits), Is.Not.EqualTo(one.State.Parameters.Select(Bits)));
    }

    /// <summary>A state saved by 4 ranks in mid-epoch continues on 3, then alone, to the bits of a run that never stopped.</summary>
    [Test]
    public void AResumeOnOtherRankCountsIsExact()
    {
        var training = new TrainingConfig { BatchSize = 20, BatchParts = 12, Seed = 3, Binarization = Binarization.Dynamic, Epochs = 2, LearningRate = 0.05f };
        var alone = TrainAlone(DeterminismTests.Model(), training, 2);
        var stopped = ThreadRanks.Run(4, ranks =>
        {
            using var cpu = new CpuAccelerator(1);
            using var trainer = new Trainer(cpu, DeterminismTests.Model(), training, Data, null, ranks);
            trainer.TrainSteps(7);
            return trainer.CaptureState();
        })[0];
        var middle = ThreadRanks.Run(3, ranks =>
        {
            using var cpu = new CpuAccelerator(1);
            using var trainer = new Trainer(cpu, DeterminismTests.Model(), training, Data, stopped, ranks);
            trainer.TrainEpoch();
            trainer.TrainSteps(4);
            return trainer.CaptureState();
        })[1];
        using var cpu = new CpuAccelerator(2);
        using var last = new Trainer(cpu, DeterminismTests.Model(), training, Data, middle);
        var metrics = last.TrainEpoch();
        AssertSame(alone, new Outcome(last.CaptureState(), metrics.TrainElbo, metrics.TestElbo), "4 ranks, then 3, then one process");
    }

    /// <summary>A stop asked of one rank stops every rank after the same step, so they all hold the same state.</summary>
    [Test]
    public void AStopOnOneRankStopsAllAfterTheSameStep()
    {
        var training = new TrainingConfig { BatchSize = 20, BatchParts = 4, Seed = 3 };
        var states = ThreadRanks.Run(3, ranks =>
        {
            using var cpu = new CpuAccelerator(1);
            using var trainer = new Trainer(cpu, DeterminismTests.Model(), training, Data, null, ranks);
            using var stop = new CancellationTokenSource();
            trainer.TrainSteps(3, cancellation: stop.Token);
            if (ranks.Rank == 2) stop.Cancel();
            int done = trainer.TrainSteps(5, cancellation: stop.Token);
            Assert.That(trainer.StopAgreed, Is.True, $"rank {ranks.Rank}");
            Assert.That(done, Is.EqualTo(1), $"rank {ranks.Rank}: the step that carried the request");
            return trainer.CaptureState();
        });
        for (int r = 1; r < states.Length; r++)
            Assert.That((states[r].Step, states[r].Parameters.Select(Bits)), Is.EqualTo((states[0].Step, states[0].Parameters.Select(Bits))), $"rank {r}");
        Assert.That(states[0].Step, Is.EqualTo(4));
    }

    /// <summary>A rank on other data is refused on every rank before any step, naming it.</summary>
    [Test]
    public void ARankOnOtherDataIsRefused()
    {
        var other = SyntheticImages.Dataset(200, 50, flip: 0.2, grey: true);
        var training = new TrainingConfig { BatchSize = 20, BatchParts = 4 };
        var e = Assert.Throws<AggregateException>(() => ThreadRanks.Run(3, ranks =>
        {
            using var cpu = new CpuAccelerator(1);
            using var trainer = new Trainer(cpu, DeterminismTests.Model(), training, ranks.Rank == 1 ? other : Data, null, ranks);
            return 0;
        }));
        Assert.That(e!.InnerException, Is.TypeOf<RanksDisagreeException>().With.Message.Contains("rank 1 of 3").And.Message.Contains("data"));
    }
}

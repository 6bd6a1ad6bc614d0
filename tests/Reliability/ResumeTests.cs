using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using NUnit.Framework;
using static IlgpuVae.Tests.Reliability.TinyTraining;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Exact resume on the CPU: N + M steps without a stop give the same bits as N steps, a checkpoint
/// file, a new trainer and M more steps — for stops inside an epoch, at its boundary and right after
/// its last step, for every optimizer; the epoch's train ELBO comes out the same too.
/// </summary>
[TestFixture]
public sealed class ResumeTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = NewFolder();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>Stops at step N (10 steps per epoch), resumes through a file, compares with N + M straight steps.</summary>
    [TestCase(OptimizerKind.Adam, 7, 16)]
    [TestCase(OptimizerKind.Adam, 10, 13)]
    [TestCase(OptimizerKind.Adagrad, 13, 9)]
    [TestCase(OptimizerKind.RmsProp, 1, 20)]
    [TestCase(OptimizerKind.SgdMomentum, 19, 2)]
    public void StopAndResumeGiveTheBitsOfOneRun(OptimizerKind optimizer, int n, int m)
    {
        using var cpu = new CpuAccelerator(2);
        var training = TinyConfig(optimizer);
        var (straight, straightElbos) = Run(cpu, TinyModel(), training, null, n + m);

        var (first, firstElbos) = Run(cpu, TinyModel(), training, null, n);
        string path = Path.Combine(_dir, "model.ckpt");
        CheckpointFile.Save(path, first);
        var loaded = CheckpointFile.Load(path);
        AssertSameState(first, loaded, "the checkpoint file");
        using var other = new CpuAccelerator(1);
        var (resumed, resumedElbos) = Run(other, TinyModel(), training, loaded, m);

        AssertSameState(straight, resumed, $"{optimizer}: {n} steps + resume + {m}");
        Assert.That(firstElbos.Concat(resumedElbos).Select(BitConverter.DoubleToInt64Bits),
            Is.EqualTo(straightElbos.Select(BitConverter.DoubleToInt64Bits)), "the train ELBO of every epoch");
    }

    /// <summary>A state saved after an epoch's last step but before the epoch was closed resumes by closing it.</summary>
    [Test]
    public void AStateAtTheEndOfAnEpochsStepsResumes()
    {
        using var cpu = new CpuAccelerator(2);
        var training = TinyConfig();
        var (straight, straightElbos) = Run(cpu, TinyModel(), training, null, 15);
        TrainingState open;
        using (var trainer = new Trainer(cpu, TinyModel(), training, TinyData))
        {
            trainer.TrainSteps(10);
            Assert.That(trainer.StepInEpoch, Is.EqualTo(trainer.StepsPerEpoch));
            open = trainer.CaptureState();
        }
        using (var trainer = new Trainer(cpu, TinyModel(), training, TinyData, open))
        {
            Assert.That(trainer.TrainSteps(5), Is.EqualTo(0), "no step runs before the epoch is closed");
            Assert.That(trainer.FinishEpoch(evaluateTest: false).TrainElbo, Is.EqualTo(straightElbos[0]));
            trainer.TrainSteps(5);
            AssertSameState(straight, trainer.CaptureState(), "closed after resuming");
        }
    }

    /// <summary>Counters that cannot come from this data (another train-set size) are refused, naming the cause.</summary>
    [Test]
    public void CountersThatDoNotFitTheDataAreRefused()
    {
        using var cpu = new CpuAccelerator(1);
        var (state, _) = Run(cpu, TinyModel(), TinyConfig(), null, 7);
        var fewer = TinyConfig() with { TrainLimit = 100 };
        var e = Assert.Throws<InputException>(() => new Trainer(cpu, TinyModel(), fewer, TinyData, state));
        Assert.That(e!.Message, Does.Contain("steps per epoch"));
    }

    /// <summary>A cancellation stops between two steps, and the trainer continues from there exactly.</summary>
    [Test]
    public void CancellationStopsBetweenSteps()
    {
        using var cpu = new CpuAccelerator(2);
        var training = TinyConfig();
        var (straight, _) = Run(cpu, TinyModel(), training, null, 8);
        using var trainer = new Trainer(cpu, TinyModel(), training, TinyData);
        using var cancel = new CancellationTokenSource();
        int reports = 0;
        trainer.TrainSteps(10, _ => { if (++reports == 1) cancel.Cancel(); }, TimeSpan.Zero, cancel.Token);
        Assert.That(trainer.Step, Is.EqualTo(1), "the step in progress completes, no other starts");
        trainer.TrainSteps(7);
        AssertSameState(straight, trainer.CaptureState(), "after a cancellation");
    }
}

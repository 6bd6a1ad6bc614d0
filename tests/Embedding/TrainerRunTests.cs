using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Data;
using IlgpuVae.Tests.Model;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// Training from a program: <see cref="Trainer.Train"/> calls back after every step and epoch, stops on
/// cancellation between steps, trains exactly what epoch-by-epoch training does; a trained model handed
/// on as a <see cref="VaeModel"/> or through a checkpoint file evaluates exactly as the trainer did.
/// 200 images of 8×8, batch 20 (10 steps per epoch), a 64-16-4 model.
/// </summary>
[TestFixture]
public sealed class TrainerRunTests
{
    private static readonly Dataset Data = SyntheticImages.Dataset(200, 40, flip: 0.1);
    private static readonly ModelConfig Model = new() { InputSize = SyntheticImages.Pixels, HiddenSizes = [16], LatentSize = 4, InitScale = 0.1f };
    private static TrainingConfig Training(int epochs) => new() { BatchSize = 20, LearningRate = 0.05f, Seed = 4, Epochs = epochs, Binarization = Binarization.Dynamic };

    [Test]
    public void TrainCallsBackAfterEveryStepAndEpochAndMatchesEpochByEpochTraining()
    {
        using var cpu = new CpuAccelerator(2);
        using var trainer = new Trainer(cpu, Model, Training(epochs: 3), Data);
        var steps = new List<StepProgress>();
        var epochs = new List<EpochMetrics>();
        var result = trainer.Train(new TrainingCallbacks { OnStep = steps.Add, OnEpoch = epochs.Add });

        Assert.That(result.Select(m => m.Epoch), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(epochs, Is.EqualTo(result));
        Assert.That(steps, Has.Count.EqualTo(3 * trainer.StepsPerEpoch));
        Assert.That(steps.Select(s => s.StepInEpoch).Take(trainer.StepsPerEpoch), Is.EqualTo(Enumerable.Range(1, trainer.StepsPerEpoch)));
        Assert.That(result.All(m => m.TestElbo is double t && double.IsFinite(t)));
        Assert.That(trainer.Train(), Is.Empty, "the configured epochs are done");

        using var reference = new Trainer(cpu, Model, Training(epochs: 3), Data);
        for (int e = 0; e < 3; e++) reference.TrainEpoch();
        BitEqual(reference.DownloadParameters(), trainer.DownloadParameters(), "parameters after Train vs TrainEpoch × 3");
        Assert.That(trainer.ParameterCount, Is.EqualTo(trainer.DownloadParameters().Length));
    }

    [Test]
    public void CancellationStopsBetweenSteps()
    {
        using var cpu = new CpuAccelerator(1);
        using var trainer = new Trainer(cpu, Model, Training(epochs: 5), Data);
        using var cancel = new CancellationTokenSource();
        var callbacks = new TrainingCallbacks
        {
            OnStep = p => { if (p.Epoch == 2 && p.StepInEpoch == 3) cancel.Cancel(); },
            EvaluateTest = false,
        };
        Assert.Throws<OperationCanceledException>(() => trainer.Train(callbacks, cancel.Token));
        Assert.That(trainer.Epoch, Is.EqualTo(1));
        Assert.That(trainer.Step, Is.EqualTo(trainer.StepsPerEpoch + 3));
    }

    [Test]
    public void TrainedModelEvaluatesAsTheTrainerDidDirectlyAndThroughACheckpoint()
    {
        string dir = SyntheticIdx.NewTempDirectory();
        try
        {
            using var cpu = new CpuAccelerator(2);
            using var trainer = new Trainer(cpu, Model, Training(epochs: 2), Data);
            string checkpoint = Path.Combine(dir, "model.ckpt");
            double? lastTest = null;
            trainer.Train(new TrainingCallbacks { OnEpoch = m => { lastTest = m.TestElbo; trainer.SaveCheckpoint(checkpoint); } });

            using var direct = trainer.ToModel();
            var t = trainer.Training;
            Assert.That(direct.MeanElbo(Data.Test, t.Seed, t.Binarization), Is.EqualTo(lastTest), "VaeModel.MeanElbo = the trainer's test ELBO");

            using var other = new CpuAccelerator(1);
            using var loaded = VaeModel.Load(other, checkpoint);
            Assert.That(loaded.Config, Is.EqualTo(Model));
            BitEqual(direct.GetParameters(), loaded.GetParameters(), "parameters through the checkpoint");
            Assert.That(loaded.MeanElbo(Data.Test, t.Seed, t.Binarization, batchSize: 7), Is.EqualTo(lastTest), "any batch size, any thread count");
            BitEqual(direct.Encode(Data.Test).Mean, loaded.Encode(Data.Test).Mean, "encodings through the checkpoint");

            // Continuing from the checkpoint is the documented two-liner.
            var state = CheckpointFile.Load(checkpoint);
            using var resumed = new Trainer(other, state.Model, state.Training with { Epochs = 3 }, Data, state);
            Assert.That(resumed.Train().Single().Epoch, Is.EqualTo(3));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

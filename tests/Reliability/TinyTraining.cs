using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Model;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// A tiny training setup for the reliability tests: 200 synthetic 8×8 images, batch 20 (10 steps per
/// epoch), a 64-12-3 model. Runs of a few dozen steps take milliseconds on any accelerator.
/// </summary>
internal static class TinyTraining
{
    public static readonly Dataset TinyData = SyntheticImages.Dataset(200, 40, flip: 0.1, grey: true);

    public static ModelConfig TinyModel(Likelihood likelihood = Likelihood.Bernoulli) => new()
    {
        InputSize = SyntheticImages.Pixels, HiddenSizes = [12], LatentSize = 3, InitScale = 0.1f, Likelihood = likelihood,
    };

    public static TrainingConfig TinyConfig(OptimizerKind optimizer = OptimizerKind.Adam, Binarization binarization = Binarization.Dynamic) => new()
    {
        Optimizer = optimizer, BatchSize = 20, Seed = 11, Binarization = binarization, WeightDecay = 1e-3f, Epochs = 100,
        LearningRate = optimizer is OptimizerKind.Adagrad ? 0.05f : optimizer is OptimizerKind.SgdMomentum ? 0.01f : 0.005f,
    };

    /// <summary>
    /// Runs exactly <paramref name="steps"/> steps from <paramref name="from"/> (null: a new model), closing
    /// each epoch whose steps are done, and returns the final state and the train ELBO of every epoch closed.
    /// </summary>
    public static (TrainingState State, List<double> EpochElbos) Run(Accelerator accelerator, ModelConfig model, TrainingConfig training,
        TrainingState? from, long steps, Dataset? data = null)
    {
        using var trainer = new Trainer(accelerator, model, training, data ?? TinyData, from);
        var elbos = new List<double>();
        long done = 0;
        while (done < steps)
        {
            done += trainer.TrainSteps((int)Math.Min(steps - done, int.MaxValue));
            if (trainer.StepInEpoch == trainer.StepsPerEpoch) elbos.Add(trainer.FinishEpoch(evaluateTest: false).TrainElbo);
        }
        return (trainer.CaptureState(), elbos);
    }

    /// <summary>Asserts that two states are the same bit for bit: counters, parameters, optimizer state, epoch ELBOs.</summary>
    public static void AssertSameState(TrainingState expected, TrainingState actual, string what)
    {
        Assert.That((actual.Step, actual.Epoch, actual.StepInEpoch), Is.EqualTo((expected.Step, expected.Epoch, expected.StepInEpoch)), $"{what}: counters");
        BitEqual(expected.Parameters, actual.Parameters, $"{what}: parameters");
        BitEqual(expected.OptimizerState0, actual.OptimizerState0, $"{what}: optimizer state 0");
        Assert.That(actual.OptimizerState1 is null, Is.EqualTo(expected.OptimizerState1 is null), $"{what}: optimizer state 1 present");
        if (expected.OptimizerState1 is not null) BitEqual(expected.OptimizerState1, actual.OptimizerState1!, $"{what}: optimizer state 1");
        BitEqual(expected.EpochStepElbos, actual.EpochStepElbos, $"{what}: the epoch's minibatch ELBOs");
        Assert.That(Bits(actual.Beta1Power), Is.EqualTo(Bits(expected.Beta1Power)), $"{what}: β₁ᵗ");
        Assert.That(Bits(actual.Beta2Power), Is.EqualTo(Bits(expected.Beta2Power)), $"{what}: β₂ᵗ");
    }

    /// <summary>A fresh temporary folder; the caller deletes it.</summary>
    public static string NewFolder() => Directory.CreateTempSubdirectory("ilgpuvae-rel-").FullName;
}

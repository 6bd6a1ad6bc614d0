using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Model;

/// <summary>
/// The determinism contract on whole training runs with <see cref="Trainer"/>: the same seed and
/// configuration give bit-identical parameters and optimizer state, whatever the thread count and
/// across a capture-and-resume; a different seed gives a different model (that every optimizer and model
/// variant learns is <see cref="TrainingTests"/>). 300 images of 8×8, batch 20 (15 steps per epoch),
/// a 64-16-4 model: each run takes milliseconds.
/// </summary>
[TestFixture]
public sealed class DeterminismTests
{
    private static readonly Dataset Data = SyntheticImages.Dataset(300, 60, flip: 0.1, grey: true);

    /// <summary>The 64-16-4 model of these tests (also data-parallel training's).</summary>
    internal static ModelConfig Model(Likelihood likelihood = Likelihood.Bernoulli, KlEstimator estimator = KlEstimator.Analytic, int samples = 1) => new()
    {
        InputSize = SyntheticImages.Pixels, HiddenSizes = [16], LatentSize = 4, Likelihood = likelihood, Estimator = estimator,
        Samples = samples, InitScale = 0.1f,
    };

    private static TrainingConfig Training(OptimizerKind optimizer = OptimizerKind.Adagrad, ulong seed = 7,
        Binarization binarization = Binarization.Dynamic) => new()
    {
        Optimizer = optimizer, BatchSize = 20, Seed = seed, Binarization = binarization, WeightDecay = 1e-3f,
        LearningRate = optimizer is OptimizerKind.Adagrad ? 0.05f : optimizer is OptimizerKind.SgdMomentum ? 0.01f : 0.005f,
    };

    /// <summary>Trains <paramref name="epochs"/> epochs (optionally continuing <paramref name="resume"/>) and captures the state.</summary>
    private static TrainingState Train(int threads, ModelConfig model, TrainingConfig training, int epochs, TrainingState? resume = null)
    {
        using var cpu = new CpuAccelerator(threads);
        using var trainer = new Trainer(cpu, model, training, Data, resume);
        for (int e = 0; e < epochs; e++)
        {
            var metrics = trainer.TrainEpoch(evaluateTest: false);
            Assert.That(double.IsFinite(metrics.TrainElbo), $"train ELBO of epoch {metrics.Epoch} is {metrics.TrainElbo}");
        }
        return trainer.CaptureState();
    }

    private static void AssertSameState(TrainingState expected, TrainingState actual, string what)
    {
        Assert.That(actual.Step, Is.EqualTo(expected.Step), $"{what}: step");
        BitEqual(expected.Parameters, actual.Parameters, $"{what}: parameters");
        BitEqual(expected.OptimizerState0, actual.OptimizerState0, $"{what}: optimizer state 0");
        Assert.That(actual.OptimizerState1 is null, Is.EqualTo(expected.OptimizerState1 is null), $"{what}: optimizer state 1 present");
        if (expected.OptimizerState1 is not null) BitEqual(expected.OptimizerState1, actual.OptimizerState1!, $"{what}: optimizer state 1");
        Assert.That(Bits(actual.Beta1Power), Is.EqualTo(Bits(expected.Beta1Power)), $"{what}: β₁ᵗ");
        Assert.That(Bits(actual.Beta2Power), Is.EqualTo(Bits(expected.Beta2Power)), $"{what}: β₂ᵗ");
    }

    /// <summary>Two runs with the same seed end with the same bits after 2 epochs.</summary>
    [Test]
    public void SameSeedGivesBitIdenticalParameters()
    {
        var first = Train(2, Model(), Training(), 2);
        var second = Train(2, Model(), Training(), 2);
        AssertSameState(first, second, "second run");
        Assert.That(first.Step, Is.EqualTo(30));
    }

    /// <summary>1 thread and 2 threads give the same parameters and optimizer state, for every optimizer.</summary>
    [Test]
    public void OneAndTwoThreadsGiveBitIdenticalState([Values] OptimizerKind optimizer)
    {
        var one = Train(1, Model(), Training(optimizer), 2);
        var two = Train(2, Model(), Training(optimizer), 2);
        AssertSameState(one, two, $"{optimizer}, 2 threads vs 1");
    }

    /// <summary>The other model variants (Gaussian decoder, estimator A, 2 samples; grey-level input) are thread-count independent too.</summary>
    [TestCase(Likelihood.Gaussian, KlEstimator.MonteCarlo, 2, Binarization.None)]
    [TestCase(Likelihood.Bernoulli, KlEstimator.MonteCarlo, 2, Binarization.Threshold)]
    [TestCase(Likelihood.Gaussian, KlEstimator.Analytic, 1, Binarization.None)]
    public void ModelVariantsAreThreadCountIndependent(Likelihood likelihood, KlEstimator estimator, int samples, Binarization binarization)
    {
        var model = Model(likelihood, estimator, samples);
        var training = Training(OptimizerKind.Adam, binarization: binarization);
        var one = Train(1, model, training, 2);
        var three = Train(3, model, training, 2);
        AssertSameState(one, three, $"{likelihood} {estimator} S={samples}, 3 threads vs 1");
    }

    /// <summary>The test ELBO (a forward pass over the test set, summed in double) is identical on 1 and 2 threads.</summary>
    [Test]
    public void EvaluationIsThreadCountIndependent()
    {
        var state = Train(1, Model(), Training(), 1);
        double Evaluate(int threads)
        {
            using var cpu = new CpuAccelerator(threads);
            using var trainer = new Trainer(cpu, Model(), Training(), Data, state);
            return trainer.EvaluateTestElbo();
        }
        double one = Evaluate(1), two = Evaluate(2);
        Assert.That(double.IsFinite(one), $"test ELBO {one}");
        Assert.That(BitConverter.DoubleToInt64Bits(two), Is.EqualTo(BitConverter.DoubleToInt64Bits(one)), $"test ELBO {two} vs {one}");
    }

    /// <summary>Training 1 epoch, capturing the state and resuming for 1 more gives the bits of 2 uninterrupted epochs.</summary>
    [Test]
    public void ResumeContinuesBitIdentically([Values(OptimizerKind.Adam, OptimizerKind.Adagrad)] OptimizerKind optimizer)
    {
        var straight = Train(2, Model(), Training(optimizer), 2);
        var half = Train(2, Model(), Training(optimizer), 1);
        var resumed = Train(1, Model(), Training(optimizer), 1, half);
        AssertSameState(straight, resumed, $"{optimizer} resumed after epoch 1");
    }

    /// <summary>A different seed changes the initialisation, the shuffle and the noise: the parameters differ.</summary>
    [Test]
    public void DifferentSeedsGiveDifferentParameters()
    {
        var a = Train(2, Model(), Training(seed: 7), 2);
        var b = Train(2, Model(), Training(seed: 8), 2);
        int differing = 0;
        for (int i = 0; i < a.Parameters.Length; i++) if (Bits(a.Parameters[i]) != Bits(b.Parameters[i])) differing++;
        Assert.That(differing, Is.GreaterThan(a.Parameters.Length * 9 / 10), $"only {differing} of {a.Parameters.Length} parameters differ");
    }
}

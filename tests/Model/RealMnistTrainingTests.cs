using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using NUnit.Framework;

namespace IlgpuVae.Tests.Model;

/// <summary>A short training run on a subset of the real MNIST files (skipped where they are not cached; CI fetches them).</summary>
[TestFixture]
public sealed class RealMnistTrainingTests
{
    [Test]
    public void ThreeEpochsOnThreeThousandImagesPassTheCalibratedBound()
    {
        Dataset mnist;
        try
        {
            mnist = DataSources.Load(DataSources.Mnist, new DataOptions { AllowDownload = false });
        }
        catch (InputException e)
        {
            Assert.Ignore($"MNIST is not in the data cache ({e.Message}); `./ilgpuvae data` fetches it");
            return;
        }
        var data = new Dataset("mnist-subset", mnist.Train.Take(3000), mnist.Test.Take(2000), null, null);
        var model = new ModelConfig { HiddenSizes = [200], LatentSize = 10 };
        var training = new TrainingConfig { Epochs = 3, Seed = 1 };
        using var cpu = new CpuAccelerator();
        using var trainer = new Trainer(cpu, model, training, data);
        double before = trainer.EvaluateTestElbo();
        EpochMetrics last = trainer.TrainEpoch();
        for (int e = 1; e < training.Epochs; e++) last = trainer.TrainEpoch();
        // Calibration (seeds 1, 2, 3 on the full test set, 2026-11-21): test ELBO after 3 epochs
        // −205.0, −209.2, −209.6; an untrained model scores about −543 (784·log 2 nats).
        Assert.That(before, Is.LessThan(-500), "an untrained model should be near −784·log 2");
        Assert.That(last.TestElbo, Is.GreaterThan(-225.0), "the test ELBO after 3 epochs");
        Assert.That(last.TrainElbo, Is.GreaterThan(-235.0), "the mean minibatch ELBO of epoch 3");
    }
}

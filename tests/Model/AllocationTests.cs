using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Model;

/// <summary>The training path allocates nothing per step: memory stays bounded by the data, the parameters, the optimizer state and one batch of activations.</summary>
[TestFixture]
public sealed class AllocationTests
{
    [TestCase(OptimizerKind.Adagrad, Binarization.None)]
    [TestCase(OptimizerKind.Adam, Binarization.Dynamic)]
    public void AnEpochAllocatesOnlyItsShuffleOrder(OptimizerKind optimizer, Binarization binarization)
    {
        var images = SyntheticImages.Create(2000, seed: 3, flip: 0.05, grey: true);
        var data = new Dataset("synthetic", images, images.Take(100), null, null);
        var model = new ModelConfig { InputSize = SyntheticImages.Pixels, HiddenSizes = [32], LatentSize = 4 };
        var training = new TrainingConfig { BatchSize = 20, Optimizer = optimizer, Binarization = binarization };
        using var cpu = new CpuAccelerator(2);
        using var trainer = new Trainer(cpu, model, training, data);
        trainer.TrainEpoch(evaluateTest: false); // warm-up: JIT, scratch buffers
        long before = GC.GetTotalAllocatedBytes(precise: true);
        int collections = GC.CollectionCount(0);
        trainer.TrainEpoch(evaluateTest: false); // 100 steps
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        // The epoch's permutation (2000 ints, 8 KB) is the only expected allocation; 100 steps that
        // each allocated even one small object per kernel call would exceed the allowance.
        Assert.That(allocated, Is.LessThan(2000 * 4 + 16 * 1024), $"an epoch of {trainer.StepsPerEpoch} steps allocated {allocated} bytes");
        Assert.That(GC.CollectionCount(0) - collections, Is.LessThanOrEqualTo(1), "gen-0 collections during the epoch");
    }
}

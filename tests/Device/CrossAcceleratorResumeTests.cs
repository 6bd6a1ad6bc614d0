using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Reliability;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;
using static IlgpuVae.Tests.Reliability.TinyTraining;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// Exact resume on each ILGPU family and across accelerators: stop on one, resume from the checkpoint file
/// on the other, and the result is the bits of a run that never stopped. Ignored (with the reason) where a
/// family has no usable device.
/// </summary>
[TestFixture]
public sealed class CrossAcceleratorResumeTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = NewFolder();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static Accelerator Pick(string name) => name == "cpu" ? DeviceAccelerators.Cpu : DeviceAccelerators.Require(name);

    /// <summary>N steps on one accelerator, a checkpoint file, M steps on the other (or the same) = N + M steps straight.</summary>
    [TestCase("opencl", "opencl", OptimizerKind.Adam, Likelihood.Bernoulli)]
    [TestCase("cpu", "opencl", OptimizerKind.Adam, Likelihood.Bernoulli)]
    [TestCase("opencl", "cpu", OptimizerKind.Adagrad, Likelihood.Gaussian)]
    [TestCase("ilgpu-cpu", "opencl", OptimizerKind.RmsProp, Likelihood.Bernoulli)]
    [TestCase("cpu", "ilgpu-cpu", OptimizerKind.SgdMomentum, Likelihood.Gaussian)]
    [TestCase("cuda", "cpu", OptimizerKind.Adam, Likelihood.Bernoulli)]
    [TestCase("cpu", "cuda", OptimizerKind.Adagrad, Likelihood.Gaussian)]
    public void StopOnOneResumeOnTheOther(string stopOn, string resumeOn, OptimizerKind optimizer, Likelihood likelihood)
    {
        var first = Pick(stopOn);
        var second = Pick(resumeOn);
        var model = TinyModel(likelihood);
        var training = TinyConfig(optimizer, likelihood == Likelihood.Gaussian ? Binarization.None : Binarization.Dynamic);
        const int n = 13, m = 12;

        var (stopped, _) = Run(first, model, training, null, n);
        string path = Path.Combine(_dir, "model.ckpt");
        CheckpointFile.Save(path, stopped);
        var (resumed, _) = Run(second, model, training, CheckpointFile.Load(path), m);

        var (straight, _) = Run(second, model, training, null, n + m);
        if (stopOn != resumeOn)
        {
            // Resuming across accelerators is exact only if the accelerators agree on every step; when
            // they do not, the message says so (the kernel bit tests name the kernel).
            var (straightOther, _) = Run(first, model, training, null, n + m);
            Assert.That(FirstDifference(straight.Parameters, straightOther.Parameters), Is.EqualTo(-1),
                $"{stopOn} and {resumeOn} already differ after {n + m} uninterrupted steps (see KernelBitTests / TrainingBitTests), so no resume between them can be exact");
        }
        AssertSameState(straight, resumed, $"{n} steps on {stopOn} ({first.Name}), {m} on {resumeOn} ({second.Name})");
    }
}

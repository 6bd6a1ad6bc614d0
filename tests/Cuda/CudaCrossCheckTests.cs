using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Accelerators.Cuda;
using IlgpuVae.Engine.Verification;
using IlgpuVae.Runner;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// The determinism contract on CUDA: every kernel check and both whole-training checks of
/// <see cref="Verifier"/> give bit-identical results on the GPU and on the CPU, and `ilgpuvae verify
/// --accelerator cuda` agrees. Ignored, with the reason, where no CUDA device is usable.
/// </summary>
[TestFixture]
public sealed class CudaCrossCheckTests
{
    private Accelerator? _cuda;
    private CpuAccelerator? _cpu;

    [OneTimeSetUp]
    public void CreateAccelerators()
    {
        _cuda = CudaTestEnvironment.CreateAccelerator();
        _cpu = new CpuAccelerator();
    }

    [OneTimeTearDown]
    public void DisposeAccelerators()
    {
        _cuda?.Dispose();
        _cpu?.Dispose();
    }

    private static IEnumerable<TestCaseData> Kernels() =>
        KernelChecks.All.Select(c => new TestCaseData(c.Name).SetName($"Kernel {c.Name} is bit-identical on CUDA and CPU"));

    private static IEnumerable<TestCaseData> Trainings() =>
        TrainingCheck.All.Select(c => new TestCaseData(c.Name).SetName($"{c.Name} is bit-identical on CUDA and CPU"));

    [TestCaseSource(nameof(Kernels))]
    public void KernelMatchesTheCpu(string name)
    {
        var result = new Verifier(_cpu!, _cuda!).Check(KernelChecks.Get(name));
        Assert.That(result.Identical, Is.True, result.Describe());
        Assert.That(result.ElementsCompared, Is.GreaterThan(0));
    }

    [TestCaseSource(nameof(Trainings))]
    public void TrainingMatchesTheCpu(string name)
    {
        var result = new Verifier(_cpu!, _cuda!).Check(TrainingCheck.All.Single(c => c.Name == name));
        Assert.That(result.Identical, Is.True, result.Describe());
    }

    [Test]
    public void TrainingStepsReplayedAsGraphsGiveTheBitsOfDirectLaunches()
    {
        var check = TrainingCheck.All[0];
        using var direct = new CudaAcceleratorProvider().Create(CudaTestEnvironment.RequireDevice(), new AcceleratorOptions(CudaGraphs: false));
        var withGraphs = check.Run(_cuda!);
        var result = BitComparison.Compare(check.Name, check.Run(direct), withGraphs);
        Assert.That(result.Identical, Is.True, result.Describe());
        Assert.That(_cuda!.KernelSequenceSummary, Does.StartWith("CUDA graphs: ").And.Not.Contain("off"), "the steps really were replayed");
        Assert.That(direct.KernelSequenceSummary, Does.Contain("--no-cuda-graphs"));
    }

    [Test]
    public void VerifyCommandPassesOnCuda()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(["verify", "--accelerator", "cuda", "--skip-training"], stdout, stderr);
        Assert.That(code, Is.EqualTo(ExitCodes.Success), stdout + "\n" + stderr);
        Assert.That(stdout.ToString(), Does.Contain("checks identical"));
    }
}

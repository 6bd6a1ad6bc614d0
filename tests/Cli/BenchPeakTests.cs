using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// `ilgpuvae bench --peak`, the CPU's FP32 FMA peak: one line per thread count with a positive figure, the
/// FLOP count of the loop it times, and one-line refusals of the options that do not apply. (How high the
/// figure is, is a benchmark's business, not a test's.)
/// </summary>
[TestFixture]
public sealed class BenchPeakTests
{
    [Test]
    public void ThePeakIsPrintedForOneThreadAndForTheThreadsAsked()
    {
        var r = Run("bench", "--peak", "--repeats", "1", "--threads", "2", "-q");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var lines = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines[0], Does.Contain("FP32 FMA peak").And.Contain($"{CpuFmaPeak.VectorBits}-bit vectors").And.Contain("median of 1"));
        Assert.That(lines[1], Does.Match(@"^\s+1 thread\s+[0-9]+\.[0-9] GFLOP/s"));
        Assert.That(lines[2], Does.Match(@"^\s+2 threads\s+[0-9]+\.[0-9] GFLOP/s"));
        Assert.That(lines, Has.Length.EqualTo(3));
    }

    [Test]
    public void TheLoopCountsTwoOperationsPerLanePerFma()
    {
        Assert.That(CpuFmaPeak.FlopsPerIteration, Is.EqualTo(CpuFmaPeak.Chains * (CpuFmaPeak.VectorBits / 32) * 2.0));
        double flops = CpuFmaPeak.Measure(threads: 2, iterations: 1000);
        Assert.That(flops, Is.GreaterThan(0).And.LessThan(double.PositiveInfinity));
        Assert.That(CpuFmaPeak.Calibrate(TimeSpan.FromMilliseconds(20)), Is.GreaterThanOrEqualTo(1));
    }

    [TestCase("--kernels")]
    [TestCase("--batch-size", "10")]
    [TestCase("--accelerator", "cuda")]
    [TestCase("--hidden", "8")]
    public void OptionsThatDoNotApplyAreRefused(params string[] option)
    {
        var r = Run(["bench", "--peak", .. option]);
        CliTests.AssertBadInput(r, $"{option[0]} does not apply to bench --peak");
    }

    [Test]
    public void ZeroThreadsIsRefused() => CliTests.AssertBadInput(Run("bench", "--peak", "--threads", "0"), "--threads");
}

using System.Diagnostics;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cuda;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Tests;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// <see cref="Accelerator.MeasureDeviceTime"/>: the host-clock version on the CPU, its refusal inside a
/// kernel sequence, CUDA's events on a GPU (ignored without one), and the FP32 peak table against
/// published figures.
/// </summary>
[TestFixture]
public sealed class DeviceTimingTests
{
    [Test]
    public void TheCpuMeasuresTheWork()
    {
        using var cpu = AcceleratorFactory.Create(AcceleratorKind.Cpu);
        var measured = cpu.MeasureDeviceTime(() => Thread.Sleep(50));
        Assert.That(measured, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(50)));
    }

    [Test]
    public void TimingInsideAKernelSequenceIsRefused()
    {
        // A CUDA graph would capture the timer's events (or its waits) instead of timing anything; every
        // backend refuses, so the CPU run of this test stands for CUDA's.
        using var cpu = AcceleratorFactory.Create(AcceleratorKind.Cpu);
        var e = Assert.Throws<InvalidOperationException>(() => cpu.RunKernelSequence(() => cpu.MeasureDeviceTime(() => { })));
        Assert.That(e!.Message, Does.Contain("inside a kernel sequence"));
    }

    [Test]
    public void EventTimingOnAGpuCountsTheWorkAndNoMore()
    {
        var cuda = DeviceAccelerators.Require("cuda");
        using var work = new GemmWorkload(cuda, 1024, 784, 500);
        cuda.MeasureDeviceTime(() => work.Launch(GemmKernel.LinearForward)); // warm-up
        var clock = Stopwatch.StartNew();
        var measured = cuda.MeasureDeviceTime(() =>
        {
            for (int i = 0; i < 100; i++) work.Launch(GemmKernel.LinearForward);
        });
        var wall = clock.Elapsed;
        Assert.That(measured, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(measured, Is.LessThanOrEqualTo(wall), "the GPU's time of the work fits in the host's time around the call");
        // Host time between the two events is device time too (the stream idles): a sleep is measured.
        Assert.That(cuda.MeasureDeviceTime(() => Thread.Sleep(50)), Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(49.9)));
    }

    [TestCase(9, 0, 132, 1_980_000, 66.91, TestName = "H100 SXM: 66.9 TFLOP/s")]
    [TestCase(8, 0, 108, 1_410_000, 19.49, TestName = "A100: 19.5 TFLOP/s")]
    [TestCase(8, 6, 82, 1_695_000, 35.58, TestName = "RTX 3090: 35.6 TFLOP/s")]
    [TestCase(7, 0, 80, 1_530_000, 15.67, TestName = "V100 SXM2: 15.7 TFLOP/s")]
    public void TheFp32PeakMatchesPublishedFigures(int major, int minor, int sms, int clockKhz, double teraflops)
    {
        Assert.That(Fp32Peak.FlopsPerSecond(major, minor, sms, clockKhz)! / 1e12, Is.EqualTo(teraflops).Within(0.01));
    }

    [Test]
    public void AnUnknownCapabilityOrClockHasNoPeak()
    {
        Assert.That(Fp32Peak.LanesPerMultiprocessor(11, 0), Is.Null, "not in the guide's table");
        Assert.That(Fp32Peak.FlopsPerSecond(99, 0, 132, 1_980_000), Is.Null);
        Assert.That(Fp32Peak.FlopsPerSecond(9, 0, 132, 0), Is.Null, "a driver that reports no clock");
        Assert.That(Fp32Peak.Describe(9, 0, 132, 0), Is.Null);
        Assert.That(Fp32Peak.Describe(9, 0, 132, 1_980_000), Is.EqualTo("66.9 TFLOP/s (132 SMs × 128 FP32 lanes × 2 × 1980 MHz)"));
    }

    [Test]
    public void AUsableGpuShowsItsPeak()
    {
        DeviceAccelerators.Require("cuda");
        var device = AcceleratorFactory.Providers.Single(p => p.Kind == AcceleratorKind.Cuda).Probe().First(d => d.Usable);
        var (major, minor) = (int.Parse(device.Details["compute_capability"].Split('.')[0]), int.Parse(device.Details["compute_capability"].Split('.')[1]));
        if (Fp32Peak.LanesPerMultiprocessor(major, minor) is null)
            Assert.That(device.Details.ContainsKey("fp32_peak"), Is.False);
        else
            Assert.That(device.Details["fp32_peak"], Does.Match(@"^\d+\.\d TFLOP/s \(\d+ SMs × \d+ FP32 lanes × 2 × \d+(\.\d)? MHz\)$"));
    }
}

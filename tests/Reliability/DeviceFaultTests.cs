using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Accelerators.Cuda;
using IlgpuVae.Engine.Accelerators.OpenCl;
using IlgpuVae.Runner;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Device faults that can be produced without a GPU: an impossible allocation on the CPU accelerator,
/// and failed OpenCL/CUDA calls, each reported as one line naming the cause and what to try, with exit
/// code 4.
/// </summary>
[TestFixture]
public sealed class DeviceFaultTests
{
    private static (int Code, string[] Lines) Report(Exception e)
    {
        var stderr = new StringWriter();
        int code = Cli.Report(e, stderr);
        return (code, stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Test]
    public void AnImpossibleCpuAllocationIsAnUnavailableAccelerator()
    {
        using var cpu = new CpuAccelerator(1);
        var e = Assert.Throws<AcceleratorUnavailableException>(() => cpu.Allocate<float>(long.MaxValue / 8));
        Assert.That(e!.Message, Does.StartWith("CPU accelerator cannot allocate").And.Contain("GiB").And.Contain("--batch-size"));
        var (code, lines) = Report(e);
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure));
        Assert.That(lines, Has.Length.EqualTo(1));
    }

    [Test]
    public void AFailedOpenClCallIsAnAcceleratorFailure()
    {
        var (code, lines) = Report(new OpenClException("clEnqueueNDRangeKernel(linear_forward)", -36));
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure));
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Contain("clEnqueueNDRangeKernel(linear_forward) failed: CL_INVALID_COMMAND_QUEUE (-36)").And.Contain("--accelerator cpu"));
    }

    [Test]
    public void AFailedCudaLaunchIsAnAcceleratorFailure()
    {
        var (code, lines) = Report(CudaException.Driver("cuLaunchKernel(latent_backward)", 719));
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure));
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Contain("CUDA_ERROR_LAUNCH_FAILED (719)").And.Contain("--device"));
    }

    [Test]
    public void DeviceOutOfMemoryNamesWhatToTry()
    {
        var e = Assert.Throws<AcceleratorUnavailableException>(() => OpenClException.Check(-4, "clCreateBuffer"));
        var (code, lines) = Report(e!);
        Assert.That((code, lines.Length), Is.EqualTo((ExitCodes.AcceleratorFailure, 1)));
        Assert.That(lines[0], Does.Contain("out of memory").And.Contain("--batch-size"));
    }
}

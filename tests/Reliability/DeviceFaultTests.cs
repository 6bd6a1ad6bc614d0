using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
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
    public void AFailedDeviceOperationIsAnAcceleratorFailure()
    {
        var (code, lines) = Report(new AcceleratorFailureException("OpenCL 0: pocl: a kernel launch failed: CL_INVALID_COMMAND_QUEUE"));
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure));
        Assert.That(lines, Has.Length.EqualTo(1));
        Assert.That(lines[0], Does.Contain("a kernel launch failed: CL_INVALID_COMMAND_QUEUE").And.Contain("--accelerator cpu"));
    }

    [Test]
    public void DeviceOutOfMemoryNamesWhatToTry()
    {
        var device = DeviceAccelerators.Require("ilgpu-cpu");
        var e = Assert.Throws<AcceleratorUnavailableException>(() => device.Allocate<float>(long.MaxValue / 8));
        var (code, lines) = Report(e!);
        Assert.That((code, lines.Length), Is.EqualTo((ExitCodes.AcceleratorFailure, 1)));
        Assert.That(lines[0], Does.Contain("cannot allocate").And.Contain("--batch-size"));
    }
}

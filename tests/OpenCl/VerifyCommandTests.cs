using System.Globalization;
using IlgpuVae.Engine.Accelerators.OpenCl;
using IlgpuVae.Kernels;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>`ilgpuvae verify` and `ilgpuvae kernels-source` through the command line.</summary>
[TestFixture]
public sealed class VerifyCommandTests
{

    /// <summary>On OpenCL every kernel row says identical and the exit code is 0.</summary>
    [Test]
    public void VerifyOpenClPrintsATableAndSucceeds()
    {
        var device = (OpenClAccelerator)OpenClTestDevice.Require();
        var (code, output, error) = Run("verify", "--accelerator", "opencl", "--device", device.DeviceIndex.ToString(CultureInfo.InvariantCulture), "--skip-training");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error);
        Assert.That(output, Does.StartWith("check"));
        foreach (var check in Engine.Verification.KernelChecks.All)
            Assert.That(output, Does.Match($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(check.Name)}\s+\d+\s+identical$"));
        Assert.That(output, Does.Contain($"all {Engine.Verification.KernelChecks.All.Count} checks identical"));
    }

    /// <summary>`verify -a cpu` compares one CPU thread against all cores.</summary>
    [Test]
    public void VerifyCpuAgainstItselfSucceeds()
    {
        var (code, output, error) = Run("verify", "-a", "cpu", "--skip-training");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error);
        Assert.That(error, Does.Contain("CPU (1 thread"));
    }

    /// <summary>A device that does not exist is exit code 4 with a one-line reason.</summary>
    [Test]
    public void VerifyMissingDeviceIsAnAcceleratorFailure()
    {
        var (code, _, error) = Run("verify", "-a", "opencl", "--device", "99");
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    /// <summary>The hidden kernels-source command prints exactly what the accelerators compile.</summary>
    [TestCase("cuda", DeviceDialect.Cuda)]
    [TestCase("opencl", DeviceDialect.OpenCl)]
    public void KernelsSourcePrintsTheProgram(string name, DeviceDialect dialect)
    {
        var (code, output, _) = Run("kernels-source", "--dialect", name);
        Assert.That(code, Is.EqualTo(ExitCodes.Success));
        Assert.That(output, Is.EqualTo(DeviceSources.Build(dialect)));
    }
}

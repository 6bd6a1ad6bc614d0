using IlgpuVae.Engine.Verification;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.Device;

/// <summary>`ilgpuvae verify` and `ilgpuvae kernels-source` through the command line.</summary>
[TestFixture]
public sealed class VerifyCommandTests
{
    /// <summary>On each family every kernel row says identical and the exit code is 0.</summary>
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void VerifyPrintsATableAndSucceeds(string family)
    {
        DeviceAccelerators.Require(family);
        var (code, output, error) = Run("verify", "--accelerator", family, "--skip-training");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error);
        Assert.That(output, Does.StartWith("check"));
        foreach (var check in KernelChecks.All)
            Assert.That(output, Does.Match($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(check.Name)}\s+\d+\s+identical$"));
        Assert.That(output, Does.Contain($"all {KernelChecks.All.Count} checks identical"));
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
    [TestCase("opencl")]
    [TestCase("ilgpu-cpu")]
    public void VerifyMissingDeviceIsAnAcceleratorFailure(string family)
    {
        var (code, _, error) = Run("verify", "-a", family, "--device", "99");
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    /// <summary>kernels-source writes one checked PTX file per kernel of the catalogue, without a GPU.</summary>
    [Test]
    public void KernelsSourceWritesThePtxOfEveryKernel()
    {
        string folder = Directory.CreateTempSubdirectory("ilgpuvae-kernels-").FullName;
        try
        {
            var (code, _, error) = Run("kernels-source", "--target", "ptx", "--arch", "sm_80", "--out", folder);
            Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
            var files = Directory.GetFiles(folder).Select(Path.GetFileName).Order().ToList();
            Assert.That(files, Is.EqualTo(IlgpuVae.Kernels.Device.DeviceKernelCatalog.All.Select(k => k.Name + ".ptx").Order()));
            Assert.That(File.ReadAllText(Path.Combine(folder, "LinearForward.ptx")), Does.Contain(".entry").And.Contain("fma.rn.f32"));
            Assert.That(error, Does.Contain("0 failed the exactness check"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>On an OpenCL device it writes the OpenCL C the engine builds, prelude first.</summary>
    [Test]
    public void KernelsSourceWritesTheOpenClOfEveryKernel()
    {
        DeviceAccelerators.Require("opencl");
        string folder = Directory.CreateTempSubdirectory("ilgpuvae-kernels-").FullName;
        try
        {
            var (code, _, error) = Run("kernels-source", "--target", "opencl", "--out", folder);
            Assert.That(code, Is.EqualTo(ExitCodes.Success), error);
            Assert.That(Directory.GetFiles(folder, "*.cl"), Has.Length.EqualTo(IlgpuVae.Kernels.Device.DeviceKernelCatalog.All.Count));
            Assert.That(File.ReadAllText(Path.Combine(folder, "SumRows.cl")), Does.StartWith("#pragma OPENCL FP_CONTRACT OFF"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}

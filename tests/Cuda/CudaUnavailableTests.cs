using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Tests;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// A machine without a usable CUDA device: the backend still registers, says why it cannot be used,
/// and asking for it explicitly ends with one line and exit code 4 — never a crash at type load.
/// Ignored where a CUDA device is usable.
/// </summary>
[TestFixture]
public sealed class CudaUnavailableTests
{
    [SetUp]
    public void OnlyWithoutCuda() => DeviceAccelerators.RequireAbsent("cuda");

    private static (int Code, string Out, string[] ErrLines) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(args, stdout, stderr);
        // Log lines ("[..] ...") are progress, not errors.
        var errors = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('[')).ToArray();
        return (code, stdout.ToString(), errors);
    }

    [Test]
    public void ProbeGivesTheReason()
    {
        var devices = Cuda().Probe();
        Assert.That(devices, Is.Not.Empty);
        Assert.That(devices.All(d => !d.Usable && d.Kind == AcceleratorKind.Cuda && !string.IsNullOrWhiteSpace(d.Reason)));
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
            Assert.That(devices[0].Reason, Is.EqualTo("no NVIDIA driver: libcuda.so.1 cannot be loaded"));
    }

    [Test]
    public void CreateRaisesAcceleratorUnavailable()
    {
        var e = Assert.Throws<AcceleratorUnavailableException>(() => Cuda().Create(0, new AcceleratorOptions()));
        Assert.That(e!.Message, Does.StartWith("CUDA"));
    }

    [Test]
    public void DevicesShowsWhyCudaIsUnavailable()
    {
        var (code, output, _) = Run("devices");
        Assert.That(code, Is.EqualTo(ExitCodes.Success));
        var cuda = output.Split('\n').Where(l => l.StartsWith("cuda")).ToList();
        Assert.That(cuda, Is.Not.Empty, output);
        Assert.That(cuda, Has.All.Contain("not usable: "));
        Assert.That(cuda[0], Does.Contain(Cuda().Probe()[0].Reason!));
    }

    [Test]
    public void VerifyWithCudaExitsWithCode4AndOneLine()
    {
        var (code, _, errors) = Run("verify", "--accelerator", "cuda");
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure));
        Assert.That(errors, Has.Length.EqualTo(1), string.Join("\n", errors));
        Assert.That(errors[0], Does.StartWith("ilgpuvae: ").And.Contain(Cuda().Probe()[0].Reason!));
    }

    [Test]
    public void TrainWithCudaExitsWithCode4AndOneLine()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ilgpuvae-cuda-cli-" + Guid.NewGuid().ToString("N"));
        string data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        try
        {
            SyntheticIdx.WriteImages(Path.Combine(data, "train-images-idx3-ubyte"), 40, 4, 4);
            SyntheticIdx.WriteImages(Path.Combine(data, "t10k-images-idx3-ubyte"), 10, 4, 4);
            var (code, _, errors) = Run("train", "--accelerator", "cuda", "--data", data, "--out", Path.Combine(dir, "run"), "--epochs", "1");
            Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure), string.Join("\n", errors));
            Assert.That(errors, Has.Length.EqualTo(1), string.Join("\n", errors));
            Assert.That(errors[0], Does.Contain(Cuda().Probe()[0].Reason!));
            Assert.That(errors[0], Does.Not.Contain("   at "), "no stack trace");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static IAcceleratorProvider Cuda() => AcceleratorFactory.Providers.Single(p => p.Kind == AcceleratorKind.Cuda);
}

using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cuda;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>CUDA errors name the call and the result by name and number, with or without a driver to ask.</summary>
[TestFixture]
public sealed class CudaExceptionTests
{
    [Test]
    public void AFailedCallNamesTheCallAndTheResult()
    {
        var e = CudaException.Driver("cuLaunchKernel(linear_forward)", 701);
        Assert.That(e.Message, Does.StartWith("cuLaunchKernel(linear_forward) failed: CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701)"));
        Assert.That((e.Call, e.Code, e.CodeName), Is.EqualTo(("cuLaunchKernel(linear_forward)", 701, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES")));
    }

    [Test]
    public void SuccessDoesNotThrow() => Assert.DoesNotThrow(() => CudaException.Check(0, "cuInit"));

    [Test]
    public void OutOfMemoryIsAnUnavailableAccelerator()
    {
        var e = Assert.Throws<AcceleratorUnavailableException>(() => CudaException.Check(2, "cuMemAlloc_v2"));
        Assert.That(e!.Message, Does.Contain("cuMemAlloc_v2").And.Contain("CUDA_ERROR_OUT_OF_MEMORY").And.Contain("--batch-size"));
    }

    [Test]
    public void OtherFailuresAreCudaExceptions() =>
        Assert.That(() => CudaException.Check(700, "cuStreamSynchronize"),
            Throws.TypeOf<CudaException>().With.Message.Contains("CUDA_ERROR_ILLEGAL_ADDRESS (700)"));

    [TestCase(34, "CUDA_ERROR_STUB_LIBRARY")]
    [TestCase(100, "CUDA_ERROR_NO_DEVICE")]
    [TestCase(222, "CUDA_ERROR_UNSUPPORTED_PTX_VERSION")]
    [TestCase(719, "CUDA_ERROR_LAUNCH_FAILED")]
    public void KnownResultsHaveTheirNames(int code, string name) => Assert.That(CudaException.DriverName(code), Is.EqualTo(name));
}

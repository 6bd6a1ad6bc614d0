using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.OpenCl;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>
/// The OpenCL backend's plumbing: discovery, buffers, argument checks and error reporting.
/// </summary>
[TestFixture]
public sealed class OpenClAcceleratorTests
{
    /// <summary>The factory finds the provider by its type name.</summary>
    [Test]
    public void FactoryHasTheOpenClProvider()
    {
        Assert.That(AcceleratorFactory.Providers.Any(p => p is OpenClAcceleratorProvider), Is.True);
    }

    /// <summary>Probe lists devices with their facts, or one entry with the reason there are none.</summary>
    [Test]
    public void ProbeDescribesEveryDeviceOrSaysWhyThereIsNone()
    {
        var devices = new OpenClAcceleratorProvider().Probe();
        Assert.That(devices, Is.Not.Empty);
        foreach (var d in devices)
        {
            Assert.That(d.Kind, Is.EqualTo(AcceleratorKind.OpenCl));
            if (d.Usable)
            {
                Assert.That(d.Reason, Is.Null);
                Assert.That(d.Details.Keys, Is.SupersetOf(new[] { "type", "compute units", "global memory", "correctly rounded divide/sqrt", "fma" }));
                Assert.That(d.Details["correctly rounded divide/sqrt"], Is.EqualTo("yes"));
                Assert.That(d.Details["fma"], Is.EqualTo("yes"));
            }
            else
            {
                Assert.That(d.Reason, Is.Not.Null.And.Not.Empty);
            }
        }
    }

    /// <summary>A device index that does not exist is an AcceleratorUnavailableException, not a crash.</summary>
    [Test]
    public void MissingDeviceIsUnavailable()
    {
        var e = Assert.Throws<AcceleratorUnavailableException>(() => new OpenClAcceleratorProvider().Create(999, new AcceleratorOptions()));
        Assert.That(e!.Message, Does.Contain("999"));
    }

    /// <summary>Buffers start zeroed, and upload/download round-trip at an offset.</summary>
    [Test]
    public void BuffersRoundTrip()
    {
        var device = OpenClTestDevice.Require();
        using var buffer = device.Allocate<float>(10);
        Assert.That(buffer.ToArray(), Is.All.EqualTo(0f));
        buffer.Upload([1f, 2f, 3f], 4);
        Assert.That(buffer.ToArray(), Is.EqualTo(new[] { 0f, 0f, 0f, 0f, 1f, 2f, 3f, 0f, 0f, 0f }));
        using var empty = device.Allocate<int>(0);
        Assert.That(empty.ToArray(), Is.Empty);
    }

    /// <summary>Shapes that do not fit the buffers are refused before anything is launched.</summary>
    [Test]
    public void KernelsCheckShapes()
    {
        var device = OpenClTestDevice.Require();
        using var x = device.Allocate<float>(6);
        using var w = device.Allocate<float>(9);
        using var b = device.Allocate<float>(3);
        using var y = device.Allocate<float>(5);
        var e = Assert.Throws<ArgumentException>(() => device.Kernels.LinearForward(x, w, b, y, 2, 3, 3, Activation.Tanh));
        Assert.That(e!.Message, Does.Contain("y holds 5"));
    }

    /// <summary>A buffer of another accelerator is refused.</summary>
    [Test]
    public void KernelsRefuseForeignBuffers()
    {
        var device = OpenClTestDevice.Require();
        using var cpu = OpenClTestDevice.Cpu.Allocate<float>(4);
        using var result = device.Allocate<float>(1);
        Assert.Throws<InvalidOperationException>(() => device.Kernels.SumRows(cpu, result, 4));
    }

    /// <summary>Error codes are reported by name and number, out-of-memory ones as unavailability.</summary>
    [Test]
    public void ErrorsNameTheCallAndTheCode()
    {
        var e = Assert.Throws<OpenClException>(() => OpenClException.Check(-52, "clEnqueueNDRangeKernel(linear_forward)"));
        Assert.That(e!.Message, Is.EqualTo("clEnqueueNDRangeKernel(linear_forward) failed: CL_INVALID_KERNEL_ARGS (-52)"));
        var oom = Assert.Throws<AcceleratorUnavailableException>(() => OpenClException.Check(-5, "clEnqueueNDRangeKernel(x)"));
        Assert.That(oom!.Message, Does.Contain("CL_OUT_OF_RESOURCES (-5)"));
        Assert.That(OpenClException.Name(-4), Is.EqualTo("CL_MEM_OBJECT_ALLOCATION_FAILURE"));
    }

    /// <summary>An allocation beyond the device's limit is a one-line AcceleratorUnavailableException.</summary>
    [Test]
    public void HugeAllocationIsUnavailable()
    {
        var device = OpenClTestDevice.Require();
        var e = Assert.Throws<AcceleratorUnavailableException>(() => device.Allocate<float>(1L << 40));
        Assert.That(e!.Message, Does.Not.Contain("\n"));
    }
}

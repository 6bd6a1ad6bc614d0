using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Ilgpu;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// The ILGPU accelerators' plumbing on every family: discovery, buffers, argument checks, device timing,
/// kernel sequences and error reporting.
/// </summary>
[TestFixture]
public sealed class IlgpuAcceleratorTests
{
    /// <summary>The factory has one provider per family, in `auto` order: CUDA, OpenCL, the SIMD CPU, then ILGPU's CPU accelerator.</summary>
    [Test]
    public void TheFactoryListsEveryFamily()
    {
        Assert.That(AcceleratorFactory.Providers.Select(p => p.Kind),
            Is.EqualTo(new[] { AcceleratorKind.Cuda, AcceleratorKind.OpenCl, AcceleratorKind.Cpu, AcceleratorKind.IlgpuCpu }));
        foreach (var kind in Enum.GetValues<AcceleratorKind>())
            Assert.That(AcceleratorFactory.ParseKind(AcceleratorFactory.NameOf(kind)), Is.EqualTo(kind));
    }

    /// <summary>Probe lists devices with their facts, or one entry with the reason there are none.</summary>
    [TestCase("opencl")]
    [TestCase("cuda")]
    [TestCase("ilgpu-cpu")]
    public void ProbeDescribesEveryDeviceOrSaysWhyThereIsNone(string family)
    {
        var kind = AcceleratorFactory.ParseKind(family)!.Value;
        var devices = AcceleratorFactory.Providers.Single(p => p.Kind == kind).Probe();
        Assert.That(devices, Is.Not.Empty);
        foreach (var d in devices)
        {
            Assert.That(d.Kind, Is.EqualTo(kind));
            if (!d.Usable)
            {
                Assert.That(d.Reason, Is.Not.Null.And.Not.Empty);
                continue;
            }
            Assert.That(d.Reason, Is.Null);
            Assert.That(d.Details.Keys, Has.All.Match("^[a-z0-9_]+$"), "snake_case keys");
            if (kind == AcceleratorKind.OpenCl)
                Assert.That((d.Details["correctly_rounded_divide_sqrt"], d.Details["fma"], d.Details["denormals"]), Is.EqualTo(("yes", "yes", "yes")));
        }
    }

    /// <summary>A device index that does not exist is an AcceleratorUnavailableException naming it, not a crash.</summary>
    [TestCase("opencl")]
    [TestCase("ilgpu-cpu")]
    public void MissingDeviceIsUnavailable(string family)
    {
        var e = Assert.Throws<AcceleratorUnavailableException>(() => AcceleratorFactory.Create(AcceleratorFactory.ParseKind(family), 999));
        Assert.That(e!.Message, Does.Contain("999").And.Not.Contain("\n"));
    }

    /// <summary>Buffers start zeroed, and upload/download round-trip at an offset, for every element type.</summary>
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void BuffersRoundTrip(string family)
    {
        var device = DeviceAccelerators.Require(family);
        using var floats = device.Allocate<float>(10);
        Assert.That(floats.ToArray(), Is.All.EqualTo(0f));
        floats.Upload([1f, -0f, float.NaN], 4);
        Assert.That(floats.ToArray().Select(BitConverter.SingleToUInt32Bits),
            Is.EqualTo(new[] { 0f, 0f, 0f, 0f, 1f, -0f, float.NaN, 0f, 0f, 0f }.Select(BitConverter.SingleToUInt32Bits)));
        using var bytes = device.Upload<byte>([1, 255, 7]);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 1, 255, 7 }));
        using var ints = device.Upload<int>([-1, int.MaxValue]);
        var part = new int[1];
        ints.Download(part, 1);
        Assert.That(part, Is.EqualTo(new[] { int.MaxValue }));
        using var empty = device.Allocate<int>(0);
        Assert.That(empty.ToArray(), Is.Empty);
    }

    /// <summary>Shapes that do not fit the buffers are refused before anything is launched.</summary>
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void KernelsCheckShapes(string family)
    {
        var device = DeviceAccelerators.Require(family);
        using var x = device.Allocate<float>(6);
        using var w = device.Allocate<float>(9);
        using var b = device.Allocate<float>(3);
        using var y = device.Allocate<float>(5);
        var e = Assert.Throws<ArgumentException>(() => device.Kernels.LinearForward(x, w, b, y, 2, 3, 3, Activation.Tanh));
        Assert.That(e!.Message, Does.Contain("y holds 5"));
    }

    /// <summary>A buffer of another accelerator is refused.</summary>
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void KernelsRefuseForeignBuffers(string family)
    {
        var device = DeviceAccelerators.Require(family);
        using var cpu = DeviceAccelerators.Cpu.Allocate<float>(4);
        using var result = device.Allocate<float>(1);
        Assert.Throws<InvalidOperationException>(() => device.Kernels.SumRows(cpu, result, 4));
    }

    /// <summary>A kernel reads and writes views at offsets, and leaves the rest of the buffers alone.</summary>
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void KernelsWorkOnViewsAtOffsets(string family)
    {
        var device = DeviceAccelerators.Require(family);
        using var values = device.Upload<float>([100f, 1f, 2f, 3f, 100f]);
        using var result = device.Upload<float>([7f, 7f, 7f]);
        device.Kernels.SumRows(values.View(1, 3), result.View(1, 1), 3);
        Assert.That(result.ToArray(), Is.EqualTo(new[] { 7f, 6f, 7f }));
    }

    /// <summary>An allocation the device cannot hold is a one-line AcceleratorUnavailableException that says what to try.</summary>
    [TestCase("opencl")]
    [TestCase("cuda")]
    public void HugeAllocationIsUnavailable(string family)
    {
        var device = DeviceAccelerators.Require(family);
        var e = Assert.Throws<AcceleratorUnavailableException>(() => device.Allocate<float>(1L << 40));
        Assert.That(e!.Message, Does.Not.Contain("\n").And.Contain("--batch-size"));
    }

    /// <summary>Device timing counts the work (more launches take longer) and is refused inside a kernel sequence.</summary>
    [TestCaseSource(typeof(DeviceAccelerators), nameof(DeviceAccelerators.Families))]
    public void DeviceTimingMeasuresTheWork(string family)
    {
        var device = DeviceAccelerators.Require(family);
        using var values = device.Allocate<float>(1 << 16);
        using var result = device.Allocate<float>(1);
        // A first launch can include the driver's own compilation (pocl builds a kernel at its first enqueue).
        device.MeasureDeviceTime(() => device.Kernels.SumRows(values, result, 1 << 16));
        var one = device.MeasureDeviceTime(() => device.Kernels.SumRows(values, result, 1 << 16));
        var many = device.MeasureDeviceTime(() =>
        {
            for (int i = 0; i < 20; i++) device.Kernels.SumRows(values, result, 1 << 16);
        });
        Assert.That(one, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(many, Is.GreaterThan(one));
        Assert.Throws<InvalidOperationException>(() => device.RunKernelSequence(() => device.MeasureDeviceTime(() => { })));
    }

    /// <summary>The accelerator reports how long compiling its kernels took, and a second accelerator on the device reuses them.</summary>
    [TestCase("opencl")]
    [TestCase("ilgpu-cpu")]
    public void KernelsAreCompiledOncePerDevice(string family)
    {
        var first = (IlgpuAccelerator)DeviceAccelerators.Require(family);
        using var second = (IlgpuAccelerator)AcceleratorFactory.Create(first.Kind, 0);
        Assert.That(first.KernelCompileTime, Is.GreaterThan(TimeSpan.Zero));
        Assert.That(second.Device, Is.SameAs(first.Device));
        Assert.That(second.Name, Is.EqualTo(first.Name));
    }
}

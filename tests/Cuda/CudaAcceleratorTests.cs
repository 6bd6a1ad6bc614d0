using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cuda;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// The CUDA accelerator itself on a GPU: discovery facts, buffers (zero fill, offsets, every element
/// type, empty), an allocation too large for the device, the kernels' module and its cache entry, and
/// misuse. Ignored, with the reason, where no CUDA device is usable.
/// </summary>
[TestFixture]
public sealed class CudaAcceleratorTests
{
    private Accelerator? _cuda;

    [OneTimeSetUp]
    public void CreateAccelerator() => _cuda = CudaTestEnvironment.CreateAccelerator();

    [OneTimeTearDown]
    public void DisposeAccelerator() => _cuda?.Dispose();

    [Test]
    public void DevicesShowComputeCapabilityMemoryDriverAndNvrtc()
    {
        var device = CudaTestEnvironment.UsableDevice!;
        Assert.That(device.Details.Keys, Is.SupersetOf(new[] { "compute capability", "memory", "driver", "nvrtc", "kernels" }));
        Assert.That(device.Details["compute capability"], Does.Match(@"^\d+\.\d$"));
        Assert.That(device.Details["driver"], Does.StartWith("CUDA "));
        Assert.That(device.Details["nvrtc"], Does.Match(@"^\d+\.\d+ \("));
        Assert.That(_cuda!.Kind, Is.EqualTo(AcceleratorKind.Cuda));
        Assert.That(_cuda.Name, Does.StartWith($"CUDA {device.Index}: {device.Name}"));
    }

    [Test]
    public void NewBuffersAreZero()
    {
        using var buffer = _cuda!.Allocate<float>(1000);
        Assert.That(buffer.ToArray(), Has.All.EqualTo(0f));
    }

    [Test]
    public void BuffersRoundTripEveryElementTypeAtAnOffset()
    {
        using var floats = _cuda!.Allocate<float>(10);
        floats.Upload([1.5f, -0f, float.Epsilon], offset: 3);
        Assert.That(floats.ToArray().Select(BitConverter.SingleToInt32Bits),
            Is.EqualTo(new[] { 0f, 0f, 0f, 1.5f, -0f, float.Epsilon, 0f, 0f, 0f, 0f }.Select(BitConverter.SingleToInt32Bits)), "bits kept, subnormals included");
        var part = new float[2];
        floats.Download(part, offset: 4);
        Assert.That(part.Select(BitConverter.SingleToInt32Bits), Is.EqualTo(new[] { BitConverter.SingleToInt32Bits(-0f), 1 }));

        using var ints = _cuda.Upload<int>([int.MinValue, -1, 7]);
        Assert.That(ints.ToArray(), Is.EqualTo(new[] { int.MinValue, -1, 7 }));
        using var bytes = _cuda.Upload<byte>([0, 128, 255]);
        Assert.That(bytes.ToArray(), Is.EqualTo(new byte[] { 0, 128, 255 }));
    }

    [Test]
    public void AnEmptyBufferCanBeAllocated()
    {
        using var empty = _cuda!.Allocate<float>(0);
        Assert.That(empty.ToArray(), Is.Empty);
    }

    [Test]
    public void AnImpossibleAllocationSaysWhatToTry()
    {
        // 4 TiB: more than any GPU has.
        var e = Assert.Throws<AcceleratorUnavailableException>(() => _cuda!.Allocate<float>(1L << 40));
        Assert.That(e!.Message, Does.Contain("cannot allocate 4194304 MiB").And.Contain("CUDA_ERROR_OUT_OF_MEMORY").And.Contain("--batch-size"));
        Assert.That(e.Message, Does.Not.Contain('\n'));
        using var after = _cuda!.Allocate<float>(10);
        Assert.That(after.ToArray(), Has.Length.EqualTo(10), "the device is still usable afterwards");
    }

    [Test]
    public void AKernelRunsOnViewsAtOffsets()
    {
        var values = Enumerable.Range(0, 100).Select(i => (float)i).ToArray();
        using var input = _cuda!.Upload<float>(values);
        using var result = _cuda.Allocate<float>(4);
        _cuda.Kernels.SumRows(input.View(10, 5), result.View(2, 1), 5);
        Assert.That(result.ToArray(), Is.EqualTo(new[] { 0f, 0f, 60f, 0f }), "10 + 11 + 12 + 13 + 14, written only at element 2");
    }

    [Test]
    public void ABufferOfAnotherAcceleratorIsRefused()
    {
        using var cpu = new Engine.Accelerators.Cpu.CpuAccelerator(1);
        using var foreign = cpu.Allocate<float>(4);
        using var result = _cuda!.Allocate<float>(1);
        Assert.Throws<InvalidOperationException>(() => _cuda.Kernels.SumRows(foreign, result, 4));
    }

    [Test]
    public void TheModuleCameFromTheCacheOrWasCachedByNvrtc()
    {
        var cuda = (CudaAccelerator)_cuda!;
        Assert.That(cuda.KernelOrigin, Does.StartWith("kernel cache (").Or.StartWith("NVRTC ("));
    }

    [Test]
    public void TheCompiledModuleIsAValidCacheEntry()
    {
        // The program of this process is set up once, so this compiles afresh into a private cache
        // the way CudaProgram does, and checks the entry that results.
        var cuda = (CudaAccelerator)_cuda!;
        var target = cuda.Device.Target!.Value;
        string source = DeviceSources.Build(DeviceDialect.Cuda);
        var options = NvrtcCompiler.Options(target);
        var key = CudaProgram.CacheKey(source, options, NvrtcCompiler.Version(), target);
        string dir = Path.Combine(Path.GetTempPath(), "ilgpuvae-cuda-cache-" + Guid.NewGuid().ToString("N"));
        try
        {
            var cache = new KernelCache(dir);
            var image = cache.GetOrCreate(key, () => NvrtcCompiler.Compile(source, options, target), out bool hit);
            Assert.That(hit, Is.False);
            Assert.That(cache.TryLoad(key), Is.EqualTo(image));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void ADisposedAcceleratorRefusesWork()
    {
        var second = CudaTestEnvironment.CreateAccelerator();
        second.Dispose();
        Assert.Throws<ObjectDisposedException>(second.Synchronize);
        Assert.DoesNotThrow(second.Dispose, "disposing twice is harmless");
    }
}

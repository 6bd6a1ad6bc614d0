using System.Runtime.Intrinsics;
using IlgpuVae.Kernels.Cpu;

namespace IlgpuVae.Engine.Accelerators.Cpu;

/// <summary>
/// The CPU accelerator: managed C# kernels with AVX-512 vectors and explicit FMA on a fixed pool of
/// worker threads. Results do not depend on the thread count.
/// </summary>
internal sealed class CpuAccelerator : Accelerator
{
    private readonly CpuWorkerPool _pool;
    private readonly CpuKernels _kernels;

    /// <summary>Creates the accelerator with <paramref name="threads"/> threads (default: one per core).</summary>
    public CpuAccelerator(int? threads = null)
    {
        int count = threads ?? Environment.ProcessorCount;
        if (count < 1) throw new InputException($"--threads must be at least 1, got {count}");
        _pool = new CpuWorkerPool(count);
        _kernels = new CpuKernels(this, _pool);
    }

    /// <inheritdoc />
    public override AcceleratorKind Kind => AcceleratorKind.Cpu;

    /// <inheritdoc />
    public override string Name => $"CPU ({_pool.ThreadCount} thread{(_pool.ThreadCount == 1 ? "" : "s")}, {SimdDescription})";

    /// <summary>Number of threads a kernel launch uses.</summary>
    public int ThreadCount => _pool.ThreadCount;

    /// <summary>The vector instruction set the kernels run with.</summary>
    public static string SimdDescription =>
        Vector512.IsHardwareAccelerated ? "AVX-512" : Vector256.IsHardwareAccelerated ? "AVX2 (512-bit vectors emulated)" : "scalar (vectors emulated)";

    /// <inheritdoc />
    internal override IKernels Kernels => _kernels;

    /// <inheritdoc />
    private protected override DeviceBuffer<T> AllocateCore<T>(long length) => new CpuBuffer<T>(this, length);

    /// <inheritdoc />
    private protected override void SynchronizeCore() { }

    /// <inheritdoc />
    public override void Dispose() => _pool.Dispose();
}

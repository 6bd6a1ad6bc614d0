using System.Globalization;
using IlgpuVae.Engine.Accelerators.Device;
using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// A buffer in a CUDA device's global memory (cuMemAlloc), zero-filled on creation. Transfers go
/// through the accelerator's stream and wait for it, so an upload is visible to every kernel queued
/// after it and a download sees every kernel queued before it (the same contract as OpenCL's blocking
/// transfers on an in-order queue).
/// </summary>
internal sealed unsafe class CudaBuffer<T> : DeviceBuffer<T>, IDeviceMemory where T : unmanaged
{
    private readonly CudaAccelerator _owner;
    private ulong _pointer;

    public CudaBuffer(CudaAccelerator owner, long length) : base(owner, length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _owner = owner;
        // cuMemAlloc refuses 0 bytes; an empty buffer still gets one element that no view can reach.
        ulong bytes = (ulong)Math.Max(length, 1) * (ulong)sizeof(T);
        owner.Program.MakeCurrent();
        ulong pointer = 0;
        int code = cuMemAlloc_v2(&pointer, (nuint)bytes);
        if (code == ErrorOutOfMemory) throw OutOfMemory(owner, bytes);
        CudaException.Check(code, "cuMemAlloc_v2");
        _pointer = pointer;
        code = cuMemsetD8Async(_pointer, 0, (nuint)bytes, owner.Stream);
        if (code != Success) DisposeCore();
        CudaException.Check(code, "cuMemsetD8Async");
    }

    /// <inheritdoc />
    public nint Handle => _pointer != 0 ? (nint)_pointer : throw new ObjectDisposedException(nameof(CudaBuffer<T>));

    /// <inheritdoc />
    public int ElementSize => sizeof(T);

    protected override void UploadCore(ReadOnlySpan<T> source, long offset)
    {
        if (source.IsEmpty) return;
        _owner.Program.MakeCurrent();
        nuint bytes = (nuint)((long)source.Length * sizeof(T));
        // The host memory is pinned only inside `fixed`, so the stream is drained before leaving it.
        fixed (T* p = source)
        {
            CudaException.Check(cuMemcpyHtoDAsync_v2(Address(offset), p, bytes, _owner.Stream), "cuMemcpyHtoDAsync_v2");
            CudaException.Check(cuStreamSynchronize(_owner.Stream), "cuStreamSynchronize");
        }
    }

    protected override void DownloadCore(Span<T> destination, long offset)
    {
        if (destination.IsEmpty) return;
        _owner.Program.MakeCurrent();
        nuint bytes = (nuint)((long)destination.Length * sizeof(T));
        fixed (T* p = destination)
        {
            CudaException.Check(cuMemcpyDtoHAsync_v2(p, Address(offset), bytes, _owner.Stream), "cuMemcpyDtoHAsync_v2");
            CudaException.Check(cuStreamSynchronize(_owner.Stream), "cuStreamSynchronize");
        }
    }

    protected override void DisposeCore()
    {
        if (_pointer == 0) return;
        _owner.Program.MakeCurrent();
        // Kernels still queued may use the memory: let them finish first. Errors are ignored (see CudaAccelerator.Dispose).
        if (!_owner.IsDisposed) cuStreamSynchronize(_owner.Stream);
        cuMemFree_v2(_pointer);
        _pointer = 0;
    }

    private ulong Address(long offset) => (ulong)Handle + (ulong)offset * (ulong)sizeof(T);

    /// <summary>The one-line message of a failed allocation: the size, what is free, and what to try.</summary>
    private static AcceleratorUnavailableException OutOfMemory(CudaAccelerator owner, ulong bytes)
    {
        nuint free = 0, total = 0;
        string state = cuMemGetInfo_v2(&free, &total) == Success
            ? string.Create(CultureInfo.InvariantCulture, $" ({Mib(free)} free of {Mib(total)})")
            : "";
        return new AcceleratorUnavailableException(
            $"CUDA device {owner.DeviceIndex} ({owner.Device.Name}) cannot allocate {Mib(bytes)}{state}: CUDA_ERROR_OUT_OF_MEMORY; " +
            "try a smaller --batch-size or model, or stop other processes using the GPU (nvidia-smi)");
    }

    private static string Mib(ulong bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB");
}

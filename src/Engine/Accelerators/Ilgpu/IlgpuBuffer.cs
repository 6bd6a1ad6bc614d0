using System.Runtime.InteropServices;
using ILGPU;
using ILGPU.Runtime;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>A buffer of an <see cref="IlgpuAccelerator"/>: one ILGPU allocation, zero-filled on its stream.</summary>
internal sealed class IlgpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    private readonly IlgpuAccelerator _owner;
    private MemoryBuffer1D<T, Stride1D.Dense>? _memory;

    public IlgpuBuffer(IlgpuAccelerator owner, long length) : base(owner, length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _owner = owner;
        double bytes = (double)length * Marshal.SizeOf<T>();
        try
        {
            _memory = owner.Device.Accelerator.Allocate1D<T>(length);
            if (length > 0) _memory.View.MemSetToZero(owner.Stream);
        }
        catch (Exception e) when (e is AcceleratorException or OutOfMemoryException)
        {
            _memory?.Dispose();
            throw new AcceleratorUnavailableException(
                $"{owner.Name} cannot allocate {bytes / (1 << 20):0.0} MiB ({e.Message}); try a smaller --batch-size or model");
        }
    }

    /// <summary>Elements [offset, offset + length) as the view a kernel takes.</summary>
    public ArrayView<T> Slice(long offset, long length) =>
        (_memory ?? throw new ObjectDisposedException(nameof(IlgpuBuffer<T>))).View.SubView(offset, length).BaseView;

    // ILGPU's copies take the host data by reference and use its address as it is (a pageable
    // cuMemcpy, or a memcpy on the CPU): the memory is pinned for the copy, or the GC could move it.

    protected override unsafe void UploadCore(ReadOnlySpan<T> source, long offset)
    {
        if (source.IsEmpty) return;
        try
        {
            fixed (T* pinned = source)
                Slice(offset, source.Length).CopyFromCPU(_owner.Stream, ref *pinned, source.Length);
        }
        catch (AcceleratorException e)
        {
            throw _owner.Failure("an upload", e);
        }
    }

    protected override unsafe void DownloadCore(Span<T> destination, long offset)
    {
        if (destination.IsEmpty) return;
        try
        {
            fixed (T* pinned = destination)
                Slice(offset, destination.Length).CopyToCPU(_owner.Stream, ref *pinned, destination.Length);
        }
        catch (AcceleratorException e)
        {
            throw _owner.Failure("a download", e);
        }
    }

    protected override void DisposeCore()
    {
        _memory?.Dispose();
        _memory = null;
    }
}

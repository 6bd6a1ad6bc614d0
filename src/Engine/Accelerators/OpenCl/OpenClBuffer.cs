using IlgpuVae.Engine.Accelerators.Device;
using static IlgpuVae.Engine.Accelerators.OpenCl.OpenClNative;

namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// A buffer in an OpenCL device's global memory (<c>cl_mem</c>), zero-filled on creation. Transfers
/// are blocking and go through the accelerator's in-order queue, so an upload is visible to every
/// kernel queued after it and a download sees every kernel queued before it.
/// </summary>
internal sealed unsafe class OpenClBuffer<T> : DeviceBuffer<T>, IDeviceMemory where T : unmanaged
{
    private readonly OpenClAccelerator _owner;
    private nint _memory;

    public OpenClBuffer(OpenClAccelerator owner, long length) : base(owner, length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _owner = owner;
        // OpenCL has no empty buffers; an empty one still gets one element that no view can reach.
        ulong bytes = (ulong)Math.Max(length, 1) * (ulong)sizeof(T);
        var device = owner.Device;
        if (bytes > device.MaxAllocation)
            throw new AcceleratorUnavailableException(
                $"OpenCL device {device.Index} ({device.Name}) cannot allocate {Mib(bytes)} in one buffer (its limit is {Mib(device.MaxAllocation)}); try a smaller --batch-size or model");
        int code;
        _memory = clCreateBuffer(owner.Program.Context, MemReadWrite, (nuint)bytes, null, &code);
        if (OpenClException.IsOutOfMemory(code) || code == -61)
            throw new AcceleratorUnavailableException(
                $"OpenCL device {device.Index} ({device.Name}) cannot allocate {Mib(bytes)}: {OpenClException.Describe(code)}; try a smaller --batch-size or model");
        OpenClException.Check(code, "clCreateBuffer");
        byte zero = 0;
        code = clEnqueueFillBuffer(owner.Queue, _memory, &zero, 1, 0, (nuint)bytes, 0, null, null);
        if (code != Success) DisposeCore();
        OpenClException.Check(code, "clEnqueueFillBuffer");
    }

    /// <inheritdoc />
    public nint Handle => _memory != 0 ? _memory : throw new ObjectDisposedException(nameof(OpenClBuffer<T>));

    /// <inheritdoc />
    public int ElementSize => sizeof(T);

    protected override void UploadCore(ReadOnlySpan<T> source, long offset)
    {
        if (source.IsEmpty) return;
        fixed (T* p = source)
            OpenClException.Check(clEnqueueWriteBuffer(_owner.Queue, Handle, 1, (nuint)(offset * sizeof(T)), (nuint)((long)source.Length * sizeof(T)), p, 0, null, null),
                "clEnqueueWriteBuffer");
    }

    protected override void DownloadCore(Span<T> destination, long offset)
    {
        if (destination.IsEmpty) return;
        fixed (T* p = destination)
            OpenClException.Check(clEnqueueReadBuffer(_owner.Queue, Handle, 1, (nuint)(offset * sizeof(T)), (nuint)((long)destination.Length * sizeof(T)), p, 0, null, null),
                "clEnqueueReadBuffer");
    }

    protected override void DisposeCore()
    {
        if (_memory == 0) return;
        clReleaseMemObject(_memory);
        _memory = 0;
    }

    private static string Mib(ulong bytes) => $"{bytes / (1024.0 * 1024):0.#} MiB";
}

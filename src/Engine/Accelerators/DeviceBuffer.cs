namespace IlgpuVae.Engine.Accelerators;

/// <summary>
/// A block of memory that belongs to one accelerator. The engine moves data in and out only through
/// <see cref="Upload"/> and <see cref="Download"/>, and hands buffers to kernels as
/// <see cref="BufferView{T}"/>s; it never touches a backend's raw memory.
/// </summary>
/// <typeparam name="T">Element type (float, int or byte).</typeparam>
internal abstract class DeviceBuffer<T> : IDisposable where T : unmanaged
{
    /// <summary>Creates the bookkeeping part of a buffer.</summary>
    protected DeviceBuffer(Accelerator accelerator, long length)
    {
        Accelerator = accelerator;
        Length = length;
    }

    /// <summary>The accelerator that owns the memory.</summary>
    public Accelerator Accelerator { get; }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>Copies host data into the buffer starting at element <paramref name="offset"/>.</summary>
    public void Upload(ReadOnlySpan<T> source, long offset = 0)
    {
        CheckRange(offset, source.Length);
        Accelerator.ThrowInsideKernelSequence("an upload");
        UploadCore(source, offset);
    }

    /// <summary>Copies buffer contents starting at element <paramref name="offset"/> to the host (waits for pending work).</summary>
    public void Download(Span<T> destination, long offset = 0)
    {
        CheckRange(offset, destination.Length);
        Accelerator.ThrowInsideKernelSequence("a download");
        DownloadCore(destination, offset);
    }

    /// <summary>The whole buffer as a host array (waits for pending work).</summary>
    public T[] ToArray()
    {
        var result = new T[Length];
        Download(result);
        return result;
    }

    /// <summary>A view of <paramref name="length"/> elements starting at <paramref name="offset"/>.</summary>
    public BufferView<T> View(long offset, long length)
    {
        CheckRange(offset, length);
        return new BufferView<T>(this, offset, length);
    }

    /// <summary>The whole buffer as a view.</summary>
    public BufferView<T> All => new(this, 0, Length);

    /// <summary>The whole buffer as a view.</summary>
    public static implicit operator BufferView<T>(DeviceBuffer<T> buffer) => buffer.All;

    /// <summary>Backend copy in; the range is already checked.</summary>
    protected abstract void UploadCore(ReadOnlySpan<T> source, long offset);

    /// <summary>Backend copy out; the range is already checked.</summary>
    protected abstract void DownloadCore(Span<T> destination, long offset);

    /// <summary>Frees the memory (not inside a kernel sequence: a CUDA graph cannot hold a free).</summary>
    public void Dispose()
    {
        Accelerator.ThrowInsideKernelSequence("freeing a buffer");
        DisposeCore();
    }

    /// <summary>The backend's free; called by <see cref="Dispose"/>, and must tolerate being called twice.</summary>
    protected abstract void DisposeCore();

    private void CheckRange(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"range [{offset}, {offset + length}) outside a buffer of {Length} elements");
    }
}

/// <summary>A contiguous range of a <see cref="DeviceBuffer{T}"/>: what kernels take as arguments.</summary>
/// <param name="Buffer">The buffer.</param>
/// <param name="Offset">First element.</param>
/// <param name="Length">Number of elements.</param>
internal readonly record struct BufferView<T>(DeviceBuffer<T> Buffer, long Offset, long Length) where T : unmanaged
{
    /// <summary>A sub-range of this view.</summary>
    public BufferView<T> Slice(long offset, long length)
    {
        if (offset < 0 || length < 0 || offset + length > Length)
            throw new ArgumentOutOfRangeException(nameof(offset), $"slice [{offset}, {offset + length}) outside a view of {Length} elements");
        return new BufferView<T>(Buffer, Offset + offset, length);
    }

    /// <summary>The view's buffer cast to the backend's type, checking that it belongs to <paramref name="owner"/>.</summary>
    public TBuffer Of<TBuffer>(Accelerator owner) where TBuffer : DeviceBuffer<T>
    {
        if (!ReferenceEquals(Buffer.Accelerator, owner) || Buffer is not TBuffer typed)
            throw new InvalidOperationException($"a buffer of {Buffer.Accelerator.Name} was passed to a kernel of {owner.Name}");
        return typed;
    }
}

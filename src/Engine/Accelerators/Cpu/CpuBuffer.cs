namespace IlgpuVae.Engine.Accelerators.Cpu;

/// <summary>A CPU accelerator buffer: a managed array.</summary>
internal sealed class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    public CpuBuffer(CpuAccelerator accelerator, long length) : base(accelerator, length)
    {
        if (length > Array.MaxLength) throw new OutOfMemoryException($"a CPU buffer of {length} elements is larger than the largest array");
        Data = new T[length];
    }

    /// <summary>The memory.</summary>
    public T[] Data { get; }

    protected override void UploadCore(ReadOnlySpan<T> source, long offset) => source.CopyTo(Data.AsSpan((int)offset));

    protected override void DownloadCore(Span<T> destination, long offset) => Data.AsSpan((int)offset, destination.Length).CopyTo(destination);

    public override void Dispose() { }
}

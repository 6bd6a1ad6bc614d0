namespace IlgpuVae.Engine.Accelerators.Cpu;

/// <summary>A CPU accelerator buffer: a managed array.</summary>
internal sealed class CpuBuffer<T> : DeviceBuffer<T> where T : unmanaged
{
    public CpuBuffer(CpuAccelerator accelerator, long length) : base(accelerator, length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        // Device memory on the CPU is host memory: a request it cannot meet is the same user-facing
        // fault as a GPU out of memory (exit code 4, with what to try), not an internal error.
        double bytes = (double)length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (length > Array.MaxLength)
            throw new AcceleratorUnavailableException($"CPU accelerator cannot allocate {Describe(bytes)} in one buffer (more than the largest array); try a smaller --batch-size or model");
        try
        {
            Data = new T[length];
        }
        catch (OutOfMemoryException)
        {
            throw new AcceleratorUnavailableException($"CPU accelerator out of memory allocating {Describe(bytes)}; try a smaller --batch-size or model");
        }
    }

    /// <summary>The memory.</summary>
    public T[] Data { get; }

    protected override void UploadCore(ReadOnlySpan<T> source, long offset) => source.CopyTo(Data.AsSpan((int)offset));

    protected override void DownloadCore(Span<T> destination, long offset) => Data.AsSpan((int)offset, destination.Length).CopyTo(destination);

    protected override void DisposeCore() { }

    private static string Describe(double bytes) => bytes >= 1L << 30 ? $"{bytes / (1L << 30):F1} GiB" : $"{bytes / (1 << 20):F1} MiB";
}

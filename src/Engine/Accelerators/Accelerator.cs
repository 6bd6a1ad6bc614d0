namespace IlgpuVae.Engine.Accelerators;

/// <summary>
/// One compute device: it owns buffers and runs the engine's kernels. The model and the trainer use
/// only this class, <see cref="DeviceBuffer{T}"/> and <see cref="IKernels"/>, so a new backend
/// (an ILGPU-based one, say) slots in by implementing these three.
/// </summary>
public abstract class Accelerator : IDisposable
{
    /// <summary>The accelerator family.</summary>
    public abstract AcceleratorKind Kind { get; }

    /// <summary>A human-readable name, e.g. "CPU (2 threads, AVX-512)" or the GPU's name.</summary>
    public abstract string Name { get; }

    /// <summary>Every kernel of the engine, as this accelerator runs it.</summary>
    internal abstract IKernels Kernels { get; }

    /// <summary>Allocates a zero-filled buffer of <paramref name="length"/> elements.</summary>
    internal abstract DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged;

    /// <summary>Allocates a buffer holding a copy of <paramref name="data"/>.</summary>
    internal DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = Allocate<T>(data.Length);
        buffer.Upload(data);
        return buffer;
    }

    /// <summary>Waits until all queued work has finished.</summary>
    public abstract void Synchronize();

    /// <summary>
    /// How long <paramref name="work"/> (kernel launches queued on this accelerator) takes on the
    /// device: earlier work is drained first, then the work is queued and waited for. This version
    /// reads the host's clock across the work and a final <see cref="Synchronize"/>: for the CPU, whose
    /// kernels run during the call, that is their time; for OpenCL it also holds the host's cost of
    /// queuing. CUDA overrides it with events on its stream, timed by the GPU itself.
    /// </summary>
    internal virtual TimeSpan MeasureDeviceTime(Action work)
    {
        Synchronize();
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        work();
        Synchronize();
        return System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Releases the device.</summary>
    public abstract void Dispose();

    /// <inheritdoc />
    public override string ToString() => Name;
}

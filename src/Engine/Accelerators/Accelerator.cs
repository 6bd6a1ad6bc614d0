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
    internal DeviceBuffer<T> Allocate<T>(long length) where T : unmanaged
    {
        ThrowInsideKernelSequence("allocating a buffer");
        return AllocateCore<T>(length);
    }

    /// <summary>The backend's allocation (outside any kernel sequence).</summary>
    private protected abstract DeviceBuffer<T> AllocateCore<T>(long length) where T : unmanaged;

    /// <summary>Allocates a buffer holding a copy of <paramref name="data"/>.</summary>
    internal DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> data) where T : unmanaged
    {
        var buffer = Allocate<T>(data.Length);
        buffer.Upload(data);
        return buffer;
    }

    /// <summary>
    /// Runs <paramref name="queueKernels"/>, a sequence of kernel launches that the caller repeats many
    /// times with the same kernels and shapes (a training step), in the cheapest way the backend knows:
    /// the CUDA accelerator captures the launches as a CUDA graph and launches the graph; the others
    /// queue them as they come. The sequence may only queue kernels: an upload, download, allocation or
    /// <see cref="Synchronize"/> inside it throws <see cref="InvalidOperationException"/> on every
    /// backend, so a sequence that runs on the CPU is one that CUDA can capture. It must also leave host
    /// state alone (compute step counters and scalars before the call), because a backend whose capture
    /// fails runs it a second time, directly.
    /// </summary>
    internal void RunKernelSequence(Action queueKernels)
    {
        ArgumentNullException.ThrowIfNull(queueKernels);
        if (InsideKernelSequence) throw new InvalidOperationException("kernel sequences do not nest");
        InsideKernelSequence = true;
        try
        {
            RunKernelSequenceCore(queueKernels);
        }
        finally
        {
            InsideKernelSequence = false;
        }
    }

    /// <summary>The backend's way of running a kernel sequence: by default, queue the launches as they come.</summary>
    private protected virtual void RunKernelSequenceCore(Action queueKernels) => queueKernels();

    /// <summary>How kernel sequences ran so far, for logs (CUDA: graph replays, or why graphs are off); null where there is nothing to say.</summary>
    internal virtual string? KernelSequenceSummary => null;

    /// <summary>Whether a <see cref="RunKernelSequence"/> is running on this accelerator.</summary>
    internal bool InsideKernelSequence { get; private set; }

    /// <summary>Raises the error for an operation that a captured kernel sequence cannot hold.</summary>
    internal void ThrowInsideKernelSequence(string operation)
    {
        if (InsideKernelSequence)
            throw new InvalidOperationException($"{operation} inside a kernel sequence on {Name}: a sequence may only queue kernels (a CUDA graph cannot hold host transfers, allocations or waits)");
    }

    /// <summary>Waits until all queued work has finished.</summary>
    public void Synchronize()
    {
        ThrowInsideKernelSequence("waiting for the device");
        SynchronizeCore();
    }

    /// <summary>The backend's wait for all queued work.</summary>
    private protected abstract void SynchronizeCore();

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

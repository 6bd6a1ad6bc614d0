using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using IlgpuVae.Engine.Accelerators.Cuda;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>
/// An accelerator that runs the engine's device kernels (src/Kernels/Device) through ILGPU: CUDA, OpenCL
/// or ILGPU's CPU accelerator. Its work goes through one stream of its own, in order; the compiled kernels
/// belong to the shared <see cref="IlgpuDevice"/>. On CUDA each training step is replayed as a CUDA graph
/// captured from that stream (<see cref="GraphReplay"/>).
/// </summary>
internal sealed class IlgpuAccelerator : Accelerator
{
    private readonly IlgpuKernels _kernels;
    private readonly GraphReplay? _graphs;
    private AcceleratorStream? _stream;

    /// <summary>Opens (or reuses) device <paramref name="index"/> of <paramref name="kind"/> and creates a stream on it.</summary>
    public IlgpuAccelerator(AcceleratorKind kind, int index, AcceleratorOptions options)
    {
        Device = IlgpuDevice.Open(kind, index);
        Device.Accelerator.Bind();
        _stream = Device.Accelerator.CreateStream();
        _kernels = new IlgpuKernels(this);
        if (_stream is CudaStream cuda)
        {
            _graphs = new GraphReplay(new CudaGraphDriver(cuda.StreamPtr, Device.Accelerator.Bind),
                options.CudaGraphs ? null : "turned off by the caller (--no-cuda-graphs)");
        }
        var info = Device.Accelerator;
        Name = $"{IlgpuDevice.Describe(kind)} {index}: {info.Name}";
    }

    /// <summary>The device this accelerator runs on.</summary>
    internal IlgpuDevice Device { get; }

    /// <summary>The stream all of this accelerator's work is queued on.</summary>
    internal AcceleratorStream Stream => _stream ?? throw new ObjectDisposedException(Name);

    /// <inheritdoc />
    public override AcceleratorKind Kind => Device.Kind;

    /// <inheritdoc />
    public override string Name { get; }

    /// <summary>Compute units (CUDA multiprocessors, OpenCL compute units): what the matrix tile choice fills.</summary>
    internal int ComputeUnits => Device.Accelerator.NumMultiprocessors;

    /// <summary>The FP32 peak of a CUDA device in FLOP/s, when its compute capability is in <see cref="Fp32Peak"/>'s table; else null.</summary>
    internal double? Fp32PeakFlops => Device.Accelerator is CudaAccelerator cuda ? Fp32Peak.FlopsPerSecond(cuda.Device) : null;

    /// <summary>The same peak with how it was worked out, or null.</summary>
    internal string? Fp32PeakDescription => Device.Accelerator is CudaAccelerator cuda ? Fp32Peak.Describe(cuda.Device) : null;

    /// <summary>The peak memory bandwidth of a CUDA device in bytes/s (<see cref="MemoryBandwidth"/>); else null.</summary>
    internal double? MemoryBandwidthBytesPerSecond => Device.Accelerator is CudaAccelerator cuda ? MemoryBandwidth.BytesPerSecond(cuda.Device) : null;

    /// <summary>The same bandwidth with how it was worked out, or null.</summary>
    internal string? MemoryBandwidthDescription => Device.Accelerator is CudaAccelerator cuda ? MemoryBandwidth.Describe(cuda.Device) : null;

    /// <summary>How long opening the device took: ILGPU compiling and loading every kernel (once per process).</summary>
    public TimeSpan KernelCompileTime => Device.CompileTime;

    /// <inheritdoc />
    internal override IKernels Kernels => _kernels;

    /// <summary>The kernels with their tile choice (for the tests and benchmarks that force a variant).</summary>
    internal IlgpuKernels DeviceKernels => _kernels;

    /// <inheritdoc />
    internal override string? KernelSequenceSummary => _graphs?.Summary;

    /// <inheritdoc />
    private protected override void RunKernelSequenceCore(Action queueKernels)
    {
        if (_graphs is null)
        {
            queueKernels();
            return;
        }
        Device.Accelerator.Bind();
        _graphs.Run(queueKernels);
    }

    /// <inheritdoc />
    private protected override DeviceBuffer<T> AllocateCore<T>(long length) => new IlgpuBuffer<T>(this, length);

    /// <inheritdoc />
    private protected override void SynchronizeCore()
    {
        try
        {
            Stream.Synchronize();
        }
        catch (AcceleratorException e)
        {
            throw Failure("waiting for the device", e);
        }
    }

    /// <summary>
    /// On CUDA, the GPU's own clock across <paramref name="work"/>, read from ILGPU profiling markers (CUDA
    /// events) on this accelerator's stream: the time from the end of earlier work to the end of this work,
    /// without the host's wait for it. When the host queues launches more slowly than the GPU runs them, the
    /// idle time between them counts too: the figure is then the launch rate. Elsewhere the host's clock
    /// (<see cref="Accelerator.MeasureDeviceTime"/>): ILGPU's CPU accelerator runs each launch during the
    /// call, and pocl's event timestamps were measured to count 20 launches as less than one.
    /// </summary>
    internal override TimeSpan MeasureDeviceTime(Action work)
    {
        if (Kind != AcceleratorKind.Cuda) return base.MeasureDeviceTime(work);
        ThrowInsideKernelSequence("measuring device time");
        Synchronize();
        try
        {
            using var start = Stream.AddProfilingMarker();
            work();
            using var end = Stream.AddProfilingMarker();
            end.Synchronize();
            return end - start;
        }
        catch (AcceleratorException e)
        {
            throw Failure("a timed run", e);
        }
    }

    /// <summary>The engine's exception for a failure the device or its driver reported during <paramref name="operation"/>.</summary>
    internal AcceleratorFailureException Failure(string operation, Exception e) =>
        new($"{Name}: {operation} failed: {e.Message}", e);

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_stream is null) return;
        try
        {
            _stream.Synchronize();
        }
        catch (AcceleratorException)
        {
            // A failed kernel has already been reported; Dispose must not throw.
        }
        _graphs?.Dispose();
        _stream.Dispose();
        _stream = null;
    }
}

using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// A CUDA device running the engine's portable kernels (src/Kernels/Device, compiled as CUDA C++ by
/// NVRTC in exact mode). Work goes through one stream of the device's primary context, in order; the
/// compiled module is shared by every accelerator on the device (see <see cref="CudaProgram"/>).
/// </summary>
internal sealed unsafe class CudaAccelerator : Accelerator
{
    private readonly CudaKernels _kernels;
    private readonly GraphReplay _graphs;
    private nint _stream;

    internal CudaAccelerator(CudaDevice device, AcceleratorOptions options)
    {
        Device = device;
        Program = CudaProgram.For(device, options.KernelCacheDirectory);
        Program.MakeCurrent();
        nint stream = 0;
        // Non-blocking: the engine orders its own work on this stream and never relies on the legacy
        // default stream, so other libraries' work on that stream cannot stall it.
        CudaException.Check(cuStreamCreate(&stream, StreamNonBlocking), $"cuStreamCreate({device.Name})");
        _stream = stream;
        _kernels = new CudaKernels(this);
        _graphs = new GraphReplay(new CudaGraphDriver(this),
            options.CudaGraphs ? CudaNative.GraphsUnavailable : "turned off by the caller (--no-cuda-graphs)");
    }

    internal CudaDevice Device { get; }

    internal CudaProgram Program { get; }

    /// <summary>The stream all work is queued on (<c>CUstream</c>); throws once disposed.</summary>
    internal nint Stream => _stream != 0 ? _stream : throw new ObjectDisposedException(Name);

    /// <summary>Whether <see cref="Dispose"/> has run (buffers freed later skip the stream).</summary>
    internal bool IsDisposed => _stream == 0;

    /// <summary>The device index (what --device takes).</summary>
    public int DeviceIndex => Device.Index;

    /// <summary>The compute capability, e.g. "9.0".</summary>
    public string ComputeCapability => $"{Device.Major}.{Device.Minor}";

    /// <summary>Where the kernels came from in this process: the kernel cache or an NVRTC compile (and where they were cached).</summary>
    public string KernelOrigin => Program.Origin;

    /// <inheritdoc />
    public override AcceleratorKind Kind => AcceleratorKind.Cuda;

    /// <inheritdoc />
    public override string Name => $"CUDA {Device.Index}: {Device.Name} (compute capability {ComputeCapability}, {Device.Target?.Name})";

    /// <summary>How kernel sequences (training steps) ran: replayed as CUDA graphs, or why not.</summary>
    internal override string KernelSequenceSummary => _graphs.Summary;

    /// <inheritdoc />
    internal override IKernels Kernels => _kernels;

    /// <summary>Captures the sequence as a CUDA graph and launches it (see <see cref="GraphReplay"/>).</summary>
    private protected override void RunKernelSequenceCore(Action queueKernels)
    {
        Program.MakeCurrent();
        _graphs.Run(queueKernels);
    }

    /// <inheritdoc />
    private protected override DeviceBuffer<T> AllocateCore<T>(long length) => new CudaBuffer<T>(this, length);

    /// <inheritdoc />
    private protected override void SynchronizeCore()
    {
        Program.MakeCurrent();
        CudaException.Check(cuStreamSynchronize(Stream), "cuStreamSynchronize");
    }

    /// <inheritdoc />
    internal override TimeSpan MeasureDeviceTime(Action work)
    {
        // Inside a capture the events would become nodes of the graph instead of timing anything.
        ThrowInsideKernelSequence("measuring device time");
        Program.MakeCurrent();
        return CudaEventTimer.Measure(Stream, work);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_stream == 0) return;
        Program.MakeCurrent();
        // Errors are ignored here: a failed kernel has already been reported, and Dispose must not throw.
        cuStreamSynchronize(_stream);
        _graphs.Dispose();
        cuStreamDestroy_v2(_stream);
        _stream = 0;
    }
}

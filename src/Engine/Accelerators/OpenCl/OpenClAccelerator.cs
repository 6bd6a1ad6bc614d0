using static IlgpuVae.Engine.Accelerators.OpenCl.OpenClNative;

namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// An OpenCL device running the engine's portable kernels (src/Kernels/Device, built as OpenCL C 1.2
/// in exact mode). Work goes through one in-order command queue; the program is built once per
/// process per device and shared (see <see cref="OpenClProgram"/>).
/// </summary>
internal sealed unsafe class OpenClAccelerator : Accelerator
{
    private readonly OpenClKernels _kernels;
    private nint _queue;

    internal OpenClAccelerator(OpenClDevice device)
    {
        Device = device;
        Program = OpenClProgram.For(device);
        int code;
        _queue = clCreateCommandQueue(Program.Context, device.Handle, 0, &code);
        OpenClException.Check(code, $"clCreateCommandQueue({device.Name})");
        try
        {
            _kernels = new OpenClKernels(this);
        }
        catch
        {
            clReleaseCommandQueue(_queue);
            _queue = 0;
            throw;
        }
    }

    internal OpenClDevice Device { get; }

    internal OpenClProgram Program { get; }

    internal nint Queue => _queue != 0 ? _queue : throw new ObjectDisposedException(Name);

    /// <summary>The device index (what --device takes).</summary>
    public int DeviceIndex => Device.Index;

    /// <summary>The device type as OpenCL reports it: "gpu", "cpu", "accelerator", ...</summary>
    public string DeviceType => Device.Type;

    /// <inheritdoc />
    public override AcceleratorKind Kind => AcceleratorKind.OpenCl;

    /// <inheritdoc />
    public override string Name => $"OpenCL {Device.Index}: {Device.Name} ({Device.PlatformName}, {Device.Type})";

    /// <inheritdoc />
    internal override IKernels Kernels => _kernels;

    /// <inheritdoc />
    private protected override DeviceBuffer<T> AllocateCore<T>(long length) => new OpenClBuffer<T>(this, length);

    /// <inheritdoc />
    private protected override void SynchronizeCore() => OpenClException.Check(clFinish(Queue), "clFinish");

    /// <inheritdoc />
    public override void Dispose()
    {
        if (_queue == 0) return;
        clFinish(_queue);
        _kernels.Dispose();
        clReleaseCommandQueue(_queue);
        _queue = 0;
    }
}

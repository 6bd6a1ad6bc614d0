namespace IlgpuVae.Engine.Accelerators.Device;

/// <summary>
/// The native side of a device buffer, as a launch primitive needs it: the backend's handle (an
/// OpenCL <c>cl_mem</c>, a CUDA device pointer). Implemented by every device backend's
/// <see cref="DeviceBuffer{T}"/>.
/// </summary>
internal interface IDeviceMemory
{
    /// <summary>The backend's handle of the whole allocation (offsets travel separately, see <see cref="KernelArg"/>).</summary>
    nint Handle { get; }

    /// <summary>Bytes per element.</summary>
    int ElementSize { get; }
}

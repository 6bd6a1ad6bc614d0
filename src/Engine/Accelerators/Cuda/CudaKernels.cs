using IlgpuVae.Engine.Accelerators.Device;
using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// The launch primitive on CUDA: cuLaunchKernel of the shared module's function on the accelerator's
/// stream, with the base class's groups as the grid and its group size as the block (both are
/// two-dimensional already). Shapes, geometry and argument lists all come from <see cref="DeviceKernels"/>.
/// </summary>
internal sealed unsafe class CudaKernels : DeviceKernels
{
    private readonly CudaAccelerator _owner;

    public CudaKernels(CudaAccelerator owner) : base(owner, owner.Device.Multiprocessors) => _owner = owner;

    /// <summary>The most kernel parameters a launch can carry here (a buffer argument fills two).</summary>
    private const int MaxParameters = 64;

    protected override void Launch(string kernel, LaunchGrid groups, LaunchGrid groupSize, params ReadOnlySpan<KernelArg> args)
    {
        var program = _owner.Program;
        if (!program.TryGetFunction(kernel, out nint function))
            throw new ArgumentException($"the device program has no kernel {kernel}", nameof(kernel));
        if (groups.Y > _owner.Device.MaxGridY)
            throw new ArgumentException($"{kernel}: {groups.Y} blocks along y exceed the device's limit of {_owner.Device.MaxGridY}", nameof(groups));

        int count = 0;
        foreach (ref readonly var arg in args) count += arg.Kind == KernelArgKind.Buffer ? 2 : 1;
        if (count > MaxParameters) throw new ArgumentException($"{kernel}: {count} parameters, at most {MaxParameters} are supported", nameof(args));

        // cuLaunchKernel takes one pointer per parameter and reads as many bytes from it as the
        // parameter has: 8 for a pointer, 4 for an int, uint or float (the low half of the 8-byte
        // slot on these little-endian hosts).
        ulong* values = stackalloc ulong[count];
        void** parameters = stackalloc void*[count];
        int i = 0;
        foreach (ref readonly var arg in args)
        {
            if (arg.Kind == KernelArgKind.Buffer)
            {
                // CUDA has no sub-buffer alignment rule (unlike OpenCL), so the view's offset is applied
                // to the pointer here and the kernel's own offset parameter is 0.
                var memory = arg.Memory!;
                values[i] = (ulong)memory.Handle + (ulong)arg.Offset * (ulong)memory.ElementSize;
                values[i + 1] = 0;
                i += 2;
            }
            else
            {
                values[i++] = arg.Bits;
            }
        }
        for (int p = 0; p < count; p++) parameters[p] = &values[p];

        program.MakeCurrent();
        CudaException.Check(
            cuLaunchKernel(function, (uint)groups.X, (uint)groups.Y, 1, (uint)groupSize.X, (uint)groupSize.Y, 1, 0, _owner.Stream, parameters, null),
            $"cuLaunchKernel({kernel})");
    }
}

using IlgpuVae.Engine.Accelerators.Device;
using IlgpuVae.Kernels;
using static IlgpuVae.Engine.Accelerators.OpenCl.OpenClNative;

namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// The launch primitive on OpenCL: one <c>cl_kernel</c> per entry point of the shared program (kernel
/// objects hold their arguments, so each accelerator has its own), arguments set in order, and an
/// NDRange of groups × group size queued on the accelerator's in-order queue.
/// </summary>
internal sealed unsafe class OpenClKernels : DeviceKernels, IDisposable
{
    private readonly OpenClAccelerator _owner;
    private readonly Dictionary<string, nint> _kernels = new(StringComparer.Ordinal);

    public OpenClKernels(OpenClAccelerator owner) : base(owner, owner.Device.ComputeUnits)
    {
        _owner = owner;
        // On a CPU device (pocl) the cost is per work-item and barrier region, so 64 x 64 tiles win at
        // every grid size (docs/device-kernels.md); the small-tile rule is for GPUs.
        if (owner.Device.Type == "cpu") TileChoice = GemmTileChoice.Large;
        try
        {
            foreach (var name in DeviceKernelNames.All)
            {
                int code;
                byte[] ascii = System.Text.Encoding.ASCII.GetBytes(name + "\0");
                nint kernel;
                fixed (byte* n = ascii) kernel = clCreateKernel(owner.Program.Program, n, &code);
                OpenClException.Check(code, $"clCreateKernel({name})");
                _kernels.Add(name, kernel);
                // A driver may allow fewer threads for a register-hungry kernel than for the device as a whole.
                nuint limit = 0;
                OpenClException.Check(clGetKernelWorkGroupInfo(kernel, owner.Device.Handle, KernelWorkGroupSize, (nuint)sizeof(nuint), &limit, null),
                    $"clGetKernelWorkGroupInfo({name})");
                if ((long)limit < DeviceGeometry.MaxGroupThreads)
                    throw new AcceleratorUnavailableException(
                        $"OpenCL device {owner.Device.Index} ({owner.Device.Name}) runs kernel {name} with at most {limit} threads per group; it needs {DeviceGeometry.MaxGroupThreads}");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    protected override void Launch(string kernel, LaunchGrid groups, LaunchGrid groupSize, params ReadOnlySpan<KernelArg> args)
    {
        if (!_kernels.TryGetValue(kernel, out nint k)) throw new ArgumentException($"the device program has no kernel {kernel}", nameof(kernel));
        uint index = 0;
        foreach (ref readonly var arg in args)
        {
            if (arg.Kind == KernelArgKind.Buffer)
            {
                nint memory = arg.Memory!.Handle;
                int offset = arg.Offset;
                Set(k, kernel, index++, (nuint)sizeof(nint), &memory);
                Set(k, kernel, index++, sizeof(int), &offset);
            }
            else
            {
                uint bits = arg.Bits;
                Set(k, kernel, index++, sizeof(uint), &bits);
            }
        }
        nuint* global = stackalloc nuint[2] { (nuint)((long)groups.X * groupSize.X), (nuint)((long)groups.Y * groupSize.Y) };
        nuint* local = stackalloc nuint[2] { (nuint)groupSize.X, (nuint)groupSize.Y };
        OpenClException.Check(clEnqueueNDRangeKernel(_owner.Queue, k, 2, null, global, local, 0, null, null), $"clEnqueueNDRangeKernel({kernel})");
    }

    private static void Set(nint kernel, string name, uint index, nuint size, void* value) =>
        OpenClException.Check(clSetKernelArg(kernel, index, size, value), $"clSetKernelArg({name}, {index})");

    public void Dispose()
    {
        foreach (var kernel in _kernels.Values) clReleaseKernel(kernel);
        _kernels.Clear();
    }
}

using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>
/// One device opened through ILGPU with every kernel compiled and loaded, shared by all engine
/// accelerators on it in this process (each has its own stream). Compiling is the expensive part of
/// opening a device, and ILGPU keeps no cache on disk, so a device is opened once per process and kept.
/// </summary>
internal sealed class IlgpuDevice
{
    private static readonly Dictionary<(AcceleratorKind, int), IlgpuDevice> Opened = [];
    private static readonly object OpenLock = new();

    private IlgpuDevice(AcceleratorKind kind, int index, Context context, ILGPU.Runtime.Accelerator accelerator, bool genericAddressSpace)
    {
        Kind = kind;
        Index = index;
        Context = context;
        Accelerator = accelerator;
        GenericAddressSpace = genericAddressSpace;
        Geometry = kind == AcceleratorKind.IlgpuCpu ? DeviceGeometry.CpuSimulator : DeviceGeometry.Gpu;
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        Kernels = new KernelLaunchers(accelerator, genericAddressSpace);
        CompileTime = System.Diagnostics.Stopwatch.GetElapsedTime(start);
    }

    /// <summary>The family: CUDA, OpenCL or ILGPU's CPU accelerator.</summary>
    public AcceleratorKind Kind { get; }

    /// <summary>The device index within the family.</summary>
    public int Index { get; }

    /// <summary>The ILGPU context (owns the device registration and the compiler).</summary>
    public Context Context { get; }

    /// <summary>The ILGPU accelerator.</summary>
    public ILGPU.Runtime.Accelerator Accelerator { get; }

    /// <summary>Whether an OpenCL device has the generic address space itself (OpenCL C 2.0 and later); true for the other families.</summary>
    public bool GenericAddressSpace { get; }

    /// <summary>The group shapes the kernels are launched with on this device.</summary>
    public DeviceGeometry Geometry { get; }

    /// <summary>Every kernel, loaded.</summary>
    public KernelLaunchers Kernels { get; }

    /// <summary>How long compiling and loading every kernel took when the device was opened.</summary>
    public TimeSpan CompileTime { get; }

    /// <summary>The lock held around every launch on this device (see <see cref="IlgpuKernels"/>).</summary>
    public object LaunchLock { get; } = new();

    /// <summary>Opens device <paramref name="index"/> of <paramref name="kind"/>, or returns the one this process opened before.</summary>
    public static IlgpuDevice Open(AcceleratorKind kind, int index)
    {
        lock (OpenLock)
        {
            if (Opened.TryGetValue((kind, index), out var open)) return open;
            var device = Create(kind, index);
            Opened[(kind, index)] = device;
            return device;
        }
    }

    private static IlgpuDevice Create(AcceleratorKind kind, int index)
    {
        Context context = kind switch
        {
            AcceleratorKind.Cuda => ExactCompilation.CreateContext(b => b.Cuda(), profiling: true),
            AcceleratorKind.OpenCl => ExactCompilation.CreateContext(b => b.OpenCL(_ => true)),
            AcceleratorKind.IlgpuCpu => ExactCompilation.CreateContext(b => b.CPU(CpuSimulator)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not an ILGPU accelerator"),
        };
        try
        {
            ILGPU.Runtime.Accelerator accelerator;
            bool generic = true;
            switch (kind)
            {
                case AcceleratorKind.Cuda:
                    accelerator = context.GetCudaDevices()[index].CreateCudaAccelerator(context);
                    break;
                case AcceleratorKind.OpenCl:
                    var device = context.GetCLDevices()[index];
                    generic = OpenClExactBuild.OpenWithoutGenericAddressSpace(device);
                    accelerator = device.CreateCLAccelerator(context);
                    break;
                default:
                    accelerator = context.GetCPUDevice(0).CreateCPUAccelerator(context);
                    break;
            }
            try
            {
                return new IlgpuDevice(kind, index, context, accelerator, generic);
            }
            catch
            {
                accelerator.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is AcceleratorException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            context.Dispose();
            throw new AcceleratorUnavailableException($"{Describe(kind)} device {index} could not be opened: {e.Message}");
        }
        catch
        {
            context.Dispose();
            throw;
        }
    }

    /// <summary>
    /// ILGPU's CPU accelerator as the engine configures it: one multiprocessor of one warp of 32 threads, the
    /// largest group of <see cref="DeviceGeometry.CpuSimulator"/>. It runs the device kernels' .NET code with one
    /// OS thread per lane, and every launch wakes all of the multiprocessor's threads: a cross-check, not a fast
    /// path (see <see cref="DeviceGeometry.CpuSimulator"/> for what was measured).
    /// </summary>
    public static CPUDevice CpuSimulator { get; } = new(numThreadsPerWarp: 32, numWarpsPerMultiprocessor: 1, numMultiprocessors: 1);

    /// <summary>"CUDA", "OpenCL" or "ILGPU CPU".</summary>
    public static string Describe(AcceleratorKind kind) => kind switch
    {
        AcceleratorKind.Cuda => "CUDA",
        AcceleratorKind.OpenCl => "OpenCL",
        AcceleratorKind.IlgpuCpu => "ILGPU CPU",
        _ => kind.ToString(),
    };
}

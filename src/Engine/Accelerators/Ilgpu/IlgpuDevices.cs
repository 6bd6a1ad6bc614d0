using System.Globalization;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuVae.Engine.Accelerators.Cuda;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>
/// What ILGPU finds on this machine, as `ilgpuvae devices` lists it: every CUDA and OpenCL device and
/// ILGPU's CPU accelerator, with the reason for each one the engine cannot run on exactly.
/// </summary>
internal static class IlgpuDevices
{
    private static readonly Lazy<IReadOnlyList<AcceleratorInfo>> Found = new(Discover, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The devices of <paramref name="kind"/>, or one entry saying why there are none.</summary>
    public static IReadOnlyList<AcceleratorInfo> Of(AcceleratorKind kind) => Found.Value.Where(d => d.Kind == kind).ToList();

    private static IReadOnlyList<AcceleratorInfo> Discover()
    {
        var found = new List<AcceleratorInfo>();
        found.AddRange(Safely(AcceleratorKind.Cuda, DiscoverCuda));
        found.AddRange(Safely(AcceleratorKind.OpenCl, DiscoverOpenCl));
        var simulator = IlgpuDevice.CpuSimulator;
        found.Add(new AcceleratorInfo(AcceleratorKind.IlgpuCpu, 0, "ILGPU CPU accelerator (device kernels as .NET code, one thread per lane)", true,
            new Dictionary<string, string>
            {
                ["threads_per_group"] = simulator.MaxNumThreadsPerGroup.ToString(CultureInfo.InvariantCulture),
                ["multiprocessors"] = simulator.NumMultiprocessors.ToString(CultureInfo.InvariantCulture),
            }, null));
        return found;
    }

    /// <summary>A driver that fails while being asked about its devices makes its family unusable, not the program.</summary>
    private static IEnumerable<AcceleratorInfo> Safely(AcceleratorKind kind, Func<IReadOnlyList<AcceleratorInfo>> discover)
    {
        try
        {
            return discover();
        }
        catch (Exception e) when (e is AcceleratorException or DllNotFoundException or EntryPointNotFoundException or TypeInitializationException or InvalidOperationException)
        {
            return [None(kind, $"device discovery failed: {e.Message}")];
        }
    }

    private static AcceleratorInfo None(AcceleratorKind kind, string reason) =>
        new(kind, 0, IlgpuDevice.Describe(kind), false, new Dictionary<string, string>(), reason);

    private static IReadOnlyList<AcceleratorInfo> DiscoverCuda()
    {
        if (NativeLibraries.Missing(NativeLibraries.Cuda) is not null)
            return [None(AcceleratorKind.Cuda, $"no NVIDIA driver: {NativeLibraries.Cuda} cannot be loaded")];
        using var context = ExactCompilation.CreateContext(b => b.Cuda());
        var devices = context.GetCudaDevices();
        if (devices.Count == 0) return [None(AcceleratorKind.Cuda, "the NVIDIA driver reports no CUDA device")];
        var list = new List<AcceleratorInfo>();
        for (int i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            string? reason = d.Architecture is null
                ? "ILGPU 1.5.3 does not know this device's compute capability"
                : d.InstructionSet is null ? $"ILGPU 1.5.3 knows no PTX version that driver {d.DriverVersion} accepts" : null;
            var details = new Dictionary<string, string>
            {
                ["compute_capability"] = d.Architecture is { } a ? $"{a.Major}.{a.Minor}" : "unknown",
                ["multiprocessors"] = d.NumMultiprocessors.ToString(CultureInfo.InvariantCulture),
                ["memory_gib"] = (d.MemorySize / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture),
                ["driver"] = d.DriverVersion.ToString(),
                ["ptx_isa"] = d.InstructionSet?.ToString() ?? "none",
            };
            if (Fp32Peak.Describe(d) is { } peak) details["fp32_peak"] = peak;
            if (MemoryBandwidth.Describe(d) is { } bandwidth) details["memory_bandwidth"] = bandwidth;
            list.Add(new AcceleratorInfo(AcceleratorKind.Cuda, i, d.Name, reason is null, details, reason));
        }
        return list;
    }

    private static IReadOnlyList<AcceleratorInfo> DiscoverOpenCl()
    {
        if (NativeLibraries.Missing(NativeLibraries.OpenCl) is not null)
            return [None(AcceleratorKind.OpenCl, $"no OpenCL loader: {NativeLibraries.OpenCl} cannot be loaded (e.g. apt install ocl-icd-libopencl1 pocl-opencl-icd)")];
        using var context = ExactCompilation.CreateContext(b => b.OpenCL(_ => true));
        var devices = context.GetCLDevices();
        if (devices.Count == 0) return [None(AcceleratorKind.OpenCl, "no OpenCL platform reports a device (the ICD loader found no driver; e.g. apt install pocl-opencl-icd)")];
        var list = new List<AcceleratorInfo>();
        for (int i = 0; i < devices.Count; i++)
        {
            var d = devices[i];
            ulong fp = d.GetDeviceInfo<ulong>(CLDeviceInfoType.CL_DEVICE_SINGLE_FP_CONFIG);
            bool denormals = (fp & 1) != 0, fma = (fp & 32) != 0, correctlyRounded = (fp & 128) != 0;
            var missing = new List<string>();
            if (!correctlyRounded) missing.Add("correctly rounded float divide/sqrt (CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT)");
            if (!fma) missing.Add("fused multiply-add (CL_FP_FMA)");
            if (!denormals) missing.Add("subnormal floats (CL_FP_DENORM)");
            string? reason = missing.Count > 0
                ? "no " + string.Join(", no ", missing) + ": results could not match the other accelerators bit for bit"
                : d.MaxNumThreadsPerGroup < DeviceGeometry.MaxGroupThreads
                    ? $"it allows {d.MaxNumThreadsPerGroup} threads per group, the kernels need {DeviceGeometry.MaxGroupThreads}"
                    : null;
            var details = new Dictionary<string, string>
            {
                ["type"] = d.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_GPU) ? "gpu" : d.DeviceType.HasFlag(CLDeviceType.CL_DEVICE_TYPE_CPU) ? "cpu" : "other",
                ["platform"] = d.PlatformName,
                ["compute_units"] = d.NumMultiprocessors.ToString(CultureInfo.InvariantCulture),
                ["memory_gib"] = (d.MemorySize / (1024.0 * 1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture),
                ["version"] = d.DeviceVersion.ToString(),
                ["c_version"] = d.CVersion.ToString(),
                ["generic_address_space"] = d.Capabilities.GenericAddressSpace ? "yes" : "no (OpenCL C 1.2: built with __generic as __global)",
                ["correctly_rounded_divide_sqrt"] = correctlyRounded ? "yes" : "no",
                ["fma"] = fma ? "yes" : "no",
                ["denormals"] = denormals ? "yes" : "no",
            };
            list.Add(new AcceleratorInfo(AcceleratorKind.OpenCl, i, d.Name.Trim(), reason is null, details, reason));
        }
        return list;
    }
}

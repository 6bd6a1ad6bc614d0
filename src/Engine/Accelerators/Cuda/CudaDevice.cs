using System.Globalization;
using System.Text;
using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// One CUDA device as discovery finds it: the facts `ilgpuvae devices` shows, the code NVRTC will
/// produce for it, and whether the engine can run on it. Devices are numbered as the driver numbers
/// them (CUDA_VISIBLE_DEVICES applies); that number is --device.
/// </summary>
internal sealed record CudaDevice
{
    public required int Index { get; init; }
    public required int Handle { get; init; }
    public required string Name { get; init; }
    public required int Major { get; init; }
    public required int Minor { get; init; }
    public required ulong TotalMemory { get; init; }
    public required int Multiprocessors { get; init; }

    /// <summary>The clock the driver reports (CU_DEVICE_ATTRIBUTE_CLOCK_RATE) in kHz; 0 when it reports none.</summary>
    public required int ClockKilohertz { get; init; }
    public required int MaxThreadsPerBlock { get; init; }
    public required int MaxGridY { get; init; }
    public required int ComputeMode { get; init; }
    public required int PciBus { get; init; }
    public required string DriverVersion { get; init; }
    public required string? NvrtcVersion { get; init; }

    /// <summary>The code NVRTC produces for this device (null when it cannot).</summary>
    public required CompileTarget? Target { get; init; }

    /// <summary>Why NVRTC cannot serve this device (set when <see cref="Target"/> is null).</summary>
    public required string? TargetProblem { get; init; }

    /// <summary>The FP32 peak in FLOP/s (<see cref="Fp32Peak"/>), or null when the compute capability is not in its table.</summary>
    public double? Fp32PeakFlops => Fp32Peak.FlopsPerSecond(Major, Minor, Multiprocessors, ClockKilohertz);

    /// <summary>The FP32 peak and how it was worked out (<see cref="Fp32Peak.Describe"/>), or null without one.</summary>
    public string? Fp32PeakDescription => Fp32Peak.Describe(Major, Minor, Multiprocessors, ClockKilohertz);

    /// <summary>Why the engine cannot run here, or null when it can.</summary>
    public string? Reason =>
        ComputeMode == ComputeModeProhibited ? "its compute mode is 'prohibited' (nvidia-smi -c): no process may use it"
        : MaxThreadsPerBlock < Kernels.DeviceGeometry.MaxGroupThreads
            ? $"it allows {MaxThreadsPerBlock} threads per block, the kernels need {Kernels.DeviceGeometry.MaxGroupThreads}"
        : Target is null ? TargetProblem ?? "NVRTC cannot compile for it"
        : null;

    /// <summary>What `ilgpuvae devices` shows about it (the FP32 peak only for a usable device whose capability is in <see cref="Fp32Peak"/>'s table).</summary>
    public AcceleratorInfo ToInfo()
    {
        var details = new Dictionary<string, string>
        {
            ["compute capability"] = string.Create(CultureInfo.InvariantCulture, $"{Major}.{Minor}"),
            ["multiprocessors"] = Multiprocessors.ToString(CultureInfo.InvariantCulture),
            ["memory"] = string.Create(CultureInfo.InvariantCulture, $"{TotalMemory / (1024.0 * 1024 * 1024):0.0} GiB"),
            ["pci bus"] = PciBus.ToString(CultureInfo.InvariantCulture),
            ["driver"] = DriverVersion,
            ["nvrtc"] = NvrtcVersion ?? "not available",
            ["kernels"] = Target?.Describe() ?? "none",
        };
        if (Reason is null && Fp32PeakDescription is { } peak) details["fp32 peak"] = peak;
        return new AcceleratorInfo(AcceleratorKind.Cuda, Index, Name, Reason is null, details, Reason);
    }

    private static string StubReason(int code) =>
        $"the libcuda loaded ({LibraryPath}) is the toolkit's stub, not a driver ({CudaException.DriverName(code)}); remove the toolkit's lib64/stubs directory from LD_LIBRARY_PATH";

    /// <summary>
    /// Every device, or the reason there are none (no driver library, a stub library, no GPU). NVRTC is
    /// looked at too: without it the devices are listed, each with the reason it cannot be used.
    /// </summary>
    public static unsafe (IReadOnlyList<CudaDevice> Devices, string? Reason) Discover()
    {
        if (LoadError is { } error) return ([], error);
        int version = 0;
        int code = cuDriverGetVersion(&version);
        // The toolkit's stub library answers every call, this one included, with CUDA_ERROR_STUB_LIBRARY.
        if (code == ErrorStubLibrary) return ([], StubReason(code));
        CudaException.Check(code, "cuDriverGetVersion");
        string driver = $"CUDA {FormatVersion(version)} ({LibraryPath})";

        code = cuInit(0);
        if (code == ErrorNoDevice)
            return ([], $"the NVIDIA driver ({driver}) finds no CUDA device (cuInit: {CudaException.DriverName(code)}); check CUDA_VISIBLE_DEVICES and nvidia-smi");
        if (code == ErrorStubLibrary) return ([], StubReason(code));
        if (code != Success) return ([], $"cuInit failed: {CudaException.Describe(code)}");

        int count = 0;
        CudaException.Check(cuDeviceGetCount(&count), "cuDeviceGetCount");
        if (count == 0) return ([], $"the NVIDIA driver ({driver}) reports no CUDA device");

        // NVRTC is needed to use a device, not to list it.
        string? nvrtcVersion = null;
        IReadOnlyList<int> archs = [];
        string? nvrtcProblem = NvrtcNative.LoadError;
        if (nvrtcProblem is null)
        {
            nvrtcVersion = $"{NvrtcCompiler.Version()} ({NvrtcNative.LibraryPath})";
            archs = NvrtcCompiler.SupportedArchitectures();
        }

        var devices = new List<CudaDevice>();
        for (int i = 0; i < count; i++)
        {
            int handle = 0;
            CudaException.Check(cuDeviceGet(&handle, i), "cuDeviceGet");
            int major = Attribute(handle, AttributeComputeCapabilityMajor);
            int minor = Attribute(handle, AttributeComputeCapabilityMinor);
            CompileTarget? target = null;
            string? problem = nvrtcProblem;
            if (problem is null) target = CompileTarget.Choose(major, minor, archs, out problem);
            nuint memory = 0;
            CudaException.Check(cuDeviceTotalMem_v2(&memory, handle), "cuDeviceTotalMem_v2");
            devices.Add(new CudaDevice
            {
                Index = i,
                Handle = handle,
                Name = ReadName(handle),
                Major = major,
                Minor = minor,
                TotalMemory = memory,
                Multiprocessors = Attribute(handle, AttributeMultiprocessorCount),
                // Only a yardstick for `devices` and `bench --kernels`: a driver that no longer reports the clock
                // costs the peak figure, never the device.
                ClockKilohertz = TryAttribute(handle, AttributeClockRate),
                MaxThreadsPerBlock = Attribute(handle, AttributeMaxThreadsPerBlock),
                MaxGridY = Attribute(handle, AttributeMaxGridDimY),
                ComputeMode = Attribute(handle, AttributeComputeMode),
                PciBus = Attribute(handle, AttributePciBusId),
                DriverVersion = driver,
                NvrtcVersion = nvrtcVersion,
                Target = target,
                TargetProblem = problem,
            });
        }
        return (devices, null);
    }

    /// <summary>13000 → "13.0", 12040 → "12.4" (the driver's encoding: 1000·major + 10·minor).</summary>
    public static string FormatVersion(int version) =>
        string.Create(CultureInfo.InvariantCulture, $"{version / 1000}.{version % 1000 / 10}");

    private static unsafe int Attribute(int device, int attribute)
    {
        int value = 0;
        CudaException.Check(cuDeviceGetAttribute(&value, attribute, device), $"cuDeviceGetAttribute({attribute})");
        return value;
    }

    /// <summary>The attribute's value, or 0 when the driver refuses the query.</summary>
    private static unsafe int TryAttribute(int device, int attribute)
    {
        int value = 0;
        return cuDeviceGetAttribute(&value, attribute, device) == Success ? value : 0;
    }

    private static unsafe string ReadName(int device)
    {
        var bytes = new byte[256];
        fixed (byte* b = bytes) CudaException.Check(cuDeviceGetName(b, bytes.Length, device), "cuDeviceGetName");
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end).Trim();
    }
}

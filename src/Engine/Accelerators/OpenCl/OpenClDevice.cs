using System.Globalization;
using System.Text;
using static IlgpuVae.Engine.Accelerators.OpenCl.OpenClNative;

namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// One OpenCL device as discovery finds it: handles, the facts `ilgpuvae devices` shows, and whether
/// the engine's exact mode can run on it. Devices are numbered across all platforms in the order the
/// ICD loader reports them (that number is --device).
/// </summary>
internal sealed record OpenClDevice
{
    public required int Index { get; init; }
    public required nint Platform { get; init; }
    public required nint Handle { get; init; }
    public required string Name { get; init; }
    public required string PlatformName { get; init; }
    public required string Type { get; init; }
    public required int ComputeUnits { get; init; }
    public required ulong GlobalMemory { get; init; }
    public required ulong MaxAllocation { get; init; }
    public required long MaxGroupThreads { get; init; }
    public required ulong FpConfig { get; init; }
    public required string Version { get; init; }
    public required string CVersion { get; init; }
    public required string Driver { get; init; }
    public required bool Available { get; init; }
    public required bool CompilerAvailable { get; init; }

    /// <summary>Supports CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT (needed for -cl-fp32-correctly-rounded-divide-sqrt).</summary>
    public bool CorrectlyRoundedDivideSqrt => (FpConfig & FpCorrectlyRoundedDivideSqrt) != 0;

    /// <summary>Supports CL_FP_FMA: fma() is a single rounding in hardware, not a slow or inexact emulation.</summary>
    public bool Fma => (FpConfig & OpenClNative.FpFma) != 0;

    /// <summary>Supports subnormal floats (the contract forbids flushing them to zero).</summary>
    public bool Denormals => (FpConfig & FpDenorm) != 0;

    /// <summary>Why exact mode cannot run here, or null when it can.</summary>
    public string? Reason
    {
        get
        {
            var missing = new List<string>();
            if (!CorrectlyRoundedDivideSqrt) missing.Add("correctly rounded float divide/sqrt (CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT)");
            if (!Fma) missing.Add("fused multiply-add (CL_FP_FMA)");
            if (!Denormals) missing.Add("subnormal floats (CL_FP_DENORM)");
            if (missing.Count > 0) return "no " + string.Join(", no ", missing) + ": results could not match the other accelerators bit for bit";
            if (!Available) return "the driver reports the device as not available";
            if (!CompilerAvailable) return "the driver has no OpenCL C compiler for it";
            if (!SupportsOpenClC12) return $"it supports {CVersion}, the kernels need OpenCL C 1.2";
            if (MaxGroupThreads < Kernels.DeviceGeometry.MaxGroupThreads)
                return $"it allows {MaxGroupThreads} threads per group, the kernels need {Kernels.DeviceGeometry.MaxGroupThreads}";
            return null;
        }
    }

    /// <summary>"OpenCL C major.minor" with major.minor at least 1.2.</summary>
    private bool SupportsOpenClC12
    {
        get
        {
            var parts = CVersion.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 3 || !System.Version.TryParse(parts[2], out var v)) return false;
            return v >= new System.Version(1, 2);
        }
    }

    /// <summary>What `ilgpuvae devices` shows about it.</summary>
    public AcceleratorInfo ToInfo() => new(AcceleratorKind.OpenCl, Index, Name, Reason is null,
        new Dictionary<string, string>
        {
            ["type"] = Type,
            ["platform"] = PlatformName,
            ["compute units"] = ComputeUnits.ToString(CultureInfo.InvariantCulture),
            ["global memory"] = $"{GlobalMemory / (1024.0 * 1024 * 1024):0.0} GiB",
            ["version"] = Version,
            ["driver"] = Driver,
            ["correctly rounded divide/sqrt"] = CorrectlyRoundedDivideSqrt ? "yes" : "no",
            ["fma"] = Fma ? "yes" : "no",
            ["denormals"] = Denormals ? "yes" : "no",
        }, Reason);

    /// <summary>
    /// Every device of every platform, or the reason there are none (no library, no platform, no device).
    /// </summary>
    public static unsafe (IReadOnlyList<OpenClDevice> Devices, string? Reason) Discover()
    {
        if (LoadError is { } error) return ([], error);
        uint platformCount = 0;
        int code = clGetPlatformIDs(0, null, &platformCount);
        if (code == PlatformNotFoundKhr || (code == Success && platformCount == 0))
            return ([], "no OpenCL platform is installed (the ICD loader found no driver; e.g. apt install pocl-opencl-icd)");
        if (code != Success) return ([], $"clGetPlatformIDs failed: {OpenClException.Describe(code)}");
        var platforms = new nint[platformCount];
        fixed (nint* p = platforms) OpenClException.Check(clGetPlatformIDs(platformCount, p, null), "clGetPlatformIDs");

        var devices = new List<OpenClDevice>();
        foreach (var platform in platforms)
        {
            uint deviceCount = 0;
            code = clGetDeviceIDs(platform, DeviceTypeAll, 0, null, &deviceCount);
            if (code == DeviceNotFound || deviceCount == 0) continue;
            OpenClException.Check(code, "clGetDeviceIDs");
            var handles = new nint[deviceCount];
            fixed (nint* d = handles) OpenClException.Check(clGetDeviceIDs(platform, DeviceTypeAll, deviceCount, d, null), "clGetDeviceIDs");
            string platformName = PlatformString(platform, OpenClNative.PlatformName);
            foreach (var handle in handles)
                devices.Add(Describe(devices.Count, platform, platformName, handle));
        }
        return devices.Count == 0 ? ([], "the OpenCL platforms report no devices") : (devices, null);
    }

    private static OpenClDevice Describe(int index, nint platform, string platformName, nint device)
    {
        ulong type = DeviceUlong(device, DeviceType);
        return new OpenClDevice
        {
            Index = index,
            Platform = platform,
            Handle = device,
            Name = DeviceString(device, DeviceName),
            PlatformName = platformName,
            Type = (type & DeviceTypeGpu) != 0 ? "gpu"
                : (type & DeviceTypeCpu) != 0 ? "cpu"
                : (type & DeviceTypeAccelerator) != 0 ? "accelerator"
                : (type & DeviceTypeCustom) != 0 ? "custom" : "other",
            ComputeUnits = (int)DeviceUint(device, DeviceMaxComputeUnits),
            GlobalMemory = DeviceUlong(device, DeviceGlobalMemSize),
            MaxAllocation = DeviceUlong(device, DeviceMaxMemAllocSize),
            MaxGroupThreads = (long)DeviceSize(device, DeviceMaxWorkGroupSize),
            FpConfig = DeviceUlong(device, DeviceSingleFpConfig),
            Version = DeviceString(device, OpenClNative.DeviceVersion),
            CVersion = DeviceString(device, DeviceOpenClCVersion),
            Driver = DeviceString(device, DriverVersion),
            Available = DeviceUint(device, DeviceAvailable) != 0,
            CompilerAvailable = DeviceUint(device, DeviceCompilerAvailable) != 0,
        };
    }

    private static unsafe string PlatformString(nint platform, uint param)
    {
        nuint size = 0;
        OpenClException.Check(clGetPlatformInfo(platform, param, 0, null, &size), "clGetPlatformInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) OpenClException.Check(clGetPlatformInfo(platform, param, size, b, null), "clGetPlatformInfo");
        return Text(bytes);
    }

    private static unsafe string DeviceString(nint device, uint param)
    {
        nuint size = 0;
        OpenClException.Check(clGetDeviceInfo(device, param, 0, null, &size), "clGetDeviceInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) OpenClException.Check(clGetDeviceInfo(device, param, size, b, null), "clGetDeviceInfo");
        return Text(bytes);
    }

    private static unsafe ulong DeviceUlong(nint device, uint param)
    {
        ulong value = 0;
        OpenClException.Check(clGetDeviceInfo(device, param, sizeof(ulong), &value, null), "clGetDeviceInfo");
        return value;
    }

    private static unsafe uint DeviceUint(nint device, uint param)
    {
        uint value = 0;
        OpenClException.Check(clGetDeviceInfo(device, param, sizeof(uint), &value, null), "clGetDeviceInfo");
        return value;
    }

    private static unsafe nuint DeviceSize(nint device, uint param)
    {
        nuint value = 0;
        OpenClException.Check(clGetDeviceInfo(device, param, (nuint)sizeof(nuint), &value, null), "clGetDeviceInfo");
        return value;
    }

    /// <summary>A NUL-terminated info string, trimmed (some drivers pad names with spaces).</summary>
    private static string Text(byte[] bytes)
    {
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end).Trim();
    }
}

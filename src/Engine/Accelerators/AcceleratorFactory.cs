using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Accelerators.Ilgpu;

namespace IlgpuVae.Engine.Accelerators;

/// <summary>
/// Finds accelerators and creates the one a user asks for: by family and device index, or `auto`
/// (the first usable device of CUDA, then OpenCL GPUs, then the SIMD CPU accelerator).
/// </summary>
public static class AcceleratorFactory
{
    /// <summary>Every backend this build has, in `auto` preference order.</summary>
    internal static IReadOnlyList<IAcceleratorProvider> Providers { get; } =
        [new IlgpuAcceleratorProvider(AcceleratorKind.Cuda), new IlgpuAcceleratorProvider(AcceleratorKind.OpenCl),
            new CpuAcceleratorProvider(), new IlgpuAcceleratorProvider(AcceleratorKind.IlgpuCpu)];

    /// <summary>Lists every device of every backend, with the reason for each one that is not usable.</summary>
    public static IReadOnlyList<AcceleratorInfo> ListDevices()
    {
        var all = new List<AcceleratorInfo>();
        foreach (var p in Providers) all.AddRange(p.Probe());
        return all;
    }

    /// <summary>The --accelerator value that names <paramref name="kind"/>: cpu, opencl, cuda or ilgpu-cpu.</summary>
    public static string NameOf(AcceleratorKind kind) => kind switch
    {
        AcceleratorKind.Cpu => "cpu",
        AcceleratorKind.OpenCl => "opencl",
        AcceleratorKind.Cuda => "cuda",
        AcceleratorKind.IlgpuCpu => "ilgpu-cpu",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown accelerator"),
    };

    /// <summary>Parses an --accelerator value: auto, cpu, opencl, cuda or ilgpu-cpu.</summary>
    public static AcceleratorKind? ParseKind(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => null,
        "cpu" => AcceleratorKind.Cpu,
        "opencl" or "ocl" => AcceleratorKind.OpenCl,
        "cuda" => AcceleratorKind.Cuda,
        "ilgpu-cpu" => AcceleratorKind.IlgpuCpu,
        _ => throw new InputException($"--accelerator must be auto, cpu, opencl, cuda or ilgpu-cpu, got '{text}'"),
    };

    /// <summary>
    /// Creates the requested accelerator. <paramref name="kind"/> null means `auto`: CUDA, then an OpenCL
    /// GPU, then the CPU. An explicit kind that is not usable raises <see cref="AcceleratorUnavailableException"/>.
    /// </summary>
    public static Accelerator Create(AcceleratorKind? kind, int? deviceIndex = null, AcceleratorOptions? options = null) =>
        Create(kind, deviceIndex, options, 0);

    /// <summary>
    /// <see cref="Create(AcceleratorKind?, int?, AcceleratorOptions?)"/> for one of several processes on a node:
    /// without a device index it takes the usable device number <paramref name="localRank"/> (modulo their count)
    /// of the family, so that the processes of a node each get a GPU of their own where there are several.
    /// </summary>
    internal static Accelerator Create(AcceleratorKind? kind, int? deviceIndex, AcceleratorOptions? options, int localRank)
    {
        options ??= new AcceleratorOptions();
        if (deviceIndex is < 0) throw new InputException($"--device must be zero or positive, got {deviceIndex}");
        ArgumentOutOfRangeException.ThrowIfNegative(localRank);
        if (kind is null)
        {
            // ILGPU's CPU accelerator is a cross-check, never the automatic choice.
            foreach (var p in Providers.Where(p => p.Kind != AcceleratorKind.IlgpuCpu))
            {
                var usable = p.Probe().Where(d => d.Usable && (p.Kind != AcceleratorKind.OpenCl || d.Details.GetValueOrDefault("type") == "gpu")).ToList();
                if (usable.Count > 0) return p.Create(deviceIndex ?? usable[localRank % usable.Count].Index, options);
            }
            return new CpuAccelerator(options.CpuThreads);
        }
        var provider = Providers.First(p => p.Kind == kind);
        var devices = provider.Probe();
        var usableDevices = devices.Where(d => d.Usable).ToList();
        int index = deviceIndex ?? (usableDevices.Count > 0 ? usableDevices[localRank % usableDevices.Count].Index : 0);
        var device = devices.FirstOrDefault(d => d.Index == index);
        if (device is null)
            throw new AcceleratorUnavailableException($"{kind} device {index} does not exist ({devices.Count} found); see `ilgpuvae devices`");
        if (!device.Usable)
            throw new AcceleratorUnavailableException($"{kind} device {index} ({device.Name}) is not usable: {device.Reason}");
        return provider.Create(index, options);
    }
}

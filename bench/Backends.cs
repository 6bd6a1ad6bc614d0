using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Bench;

/// <summary>
/// The backends a suite compares: "scalar" (the plain scalar C# loop of the contract, one thread: the
/// first CPU baseline), "cpu" (the engine's SIMD multithreaded CPU kernels: the CPU baseline every device
/// is measured against), then the ILGPU accelerators running the device kernels: by default "opencl" and
/// "cuda" where such a device is usable on this machine. ILGPU's CPU accelerator ("ilgpu-cpu") takes
/// minutes per case at these shapes, so it runs only when named in the environment variable
/// <see cref="Variable"/>, which chooses the backends: `ILGPUVAE_BENCH_BACKENDS=cpu,ilgpu-cpu`.
/// </summary>
public static class Backends
{
    /// <summary>Scalar baseline name.</summary>
    public const string Scalar = "scalar";

    /// <summary>The environment variable that chooses the backends (comma-separated names); unset or empty: the default set.</summary>
    public const string Variable = "ILGPUVAE_BENCH_BACKENDS";

    /// <summary>Every backend name, in the order the suites list them.</summary>
    private static readonly string[] Names =
    [
        Scalar, .. new[] { AcceleratorKind.Cpu, AcceleratorKind.OpenCl, AcceleratorKind.Cuda, AcceleratorKind.IlgpuCpu }.Select(AcceleratorFactory.NameOf),
    ];

    /// <summary>The backends to run: those named in <see cref="Variable"/>, else scalar, cpu and every ILGPU device family usable here but ILGPU's CPU accelerator.</summary>
    public static IEnumerable<string> Available()
    {
        string? chosen = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrWhiteSpace(chosen))
        {
            var names = chosen.Split(',', StringSplitOptions.TrimEntries).Select(n => n.ToLowerInvariant()).ToList();
            foreach (string name in names)
                if (!Names.Contains(name)) throw new ArgumentException($"{Variable}: unknown backend '{name}'; the backends are {string.Join(", ", Names)}");
            return Names.Where(names.Contains);
        }
        var usable = AcceleratorFactory.ListDevices().Where(d => d.Usable).Select(d => d.Kind).ToHashSet();
        return [Scalar, AcceleratorFactory.NameOf(AcceleratorKind.Cpu),
            .. new[] { AcceleratorKind.OpenCl, AcceleratorKind.Cuda }.Where(usable.Contains).Select(AcceleratorFactory.NameOf)];
    }

    /// <summary>Accelerator backends only (no scalar baseline): for whole-step benchmarks.</summary>
    public static IEnumerable<string> Accelerators() => Available().Where(b => b != Scalar);

    /// <summary>Creates the accelerator for a backend name (its first usable device; "scalar" uses the CPU accelerator only for buffers).</summary>
    public static Accelerator Create(string backend) =>
        AcceleratorFactory.Create(backend == Scalar ? AcceleratorKind.Cpu : AcceleratorFactory.ParseKind(backend));
}

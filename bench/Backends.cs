using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Bench;

/// <summary>
/// The backends a suite compares: "scalar" (the plain scalar C# loop of the contract, one thread —
/// the first CPU baseline), "cpu" (the engine's SIMD multithreaded CPU kernels — the second), and
/// "opencl"/"cuda" where such a device is usable on this machine.
/// </summary>
public static class Backends
{
    /// <summary>Scalar baseline name.</summary>
    public const string Scalar = "scalar";

    /// <summary>Every backend available here (device backends only when a usable device exists).</summary>
    public static IEnumerable<string> Available()
    {
        yield return Scalar;
        yield return "cpu";
        foreach (var kind in new[] { AcceleratorKind.OpenCl, AcceleratorKind.Cuda })
            if (AcceleratorFactory.Providers.Any(p => p.Kind == kind && p.Probe().Any(d => d.Usable)))
                yield return kind.ToString().ToLowerInvariant();
    }

    /// <summary>Accelerator backends only (no scalar baseline): for whole-step benchmarks.</summary>
    public static IEnumerable<string> Accelerators() => Available().Where(b => b != Scalar);

    /// <summary>Creates the accelerator for a backend name ("scalar" uses the CPU accelerator only for buffers).</summary>
    public static Accelerator Create(string backend) =>
        AcceleratorFactory.Create(backend == Scalar ? AcceleratorKind.Cpu : AcceleratorFactory.ParseKind(backend));
}

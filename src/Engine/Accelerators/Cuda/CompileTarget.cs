using System.Globalization;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// What NVRTC is asked to produce for one device: a CUBIN for a real architecture (<c>sm_XY</c>, loaded
/// as it is) or PTX for a virtual one (<c>compute_XY</c>, compiled to machine code by the driver when
/// the module is loaded). Architectures are numbered as NVRTC numbers them: 10·major + minor
/// (compute capability 9.0 is 90, 12.0 is 120).
/// </summary>
/// <param name="Architecture">The architecture number, e.g. 90.</param>
/// <param name="Cubin">True for machine code (sm_), false for PTX (compute_).</param>
internal readonly record struct CompileTarget(int Architecture, bool Cubin)
{
    /// <summary>"sm_90" or "compute_120".</summary>
    public string Name => (Cubin ? "sm_" : "compute_") + Architecture.ToString(CultureInfo.InvariantCulture);

    /// <summary>The NVRTC option that selects it.</summary>
    public string Option => "--gpu-architecture=" + Name;

    /// <summary>How `ilgpuvae devices` describes it.</summary>
    public string Describe() => Cubin ? $"{Name} (CUBIN)" : $"{Name} (PTX, compiled by the driver at load)";

    /// <summary>10·major + minor.</summary>
    public static int ArchitectureOf(int major, int minor) => major * 10 + minor;

    /// <summary>
    /// The best code for a device of compute capability <paramref name="major"/>.<paramref name="minor"/>
    /// from an NVRTC that supports the architectures <paramref name="supported"/>, or null with the reason
    /// there is none:
    /// <list type="number">
    /// <item>the device's own architecture, as a CUBIN, when NVRTC supports it;</item>
    /// <item>else the newest supported architecture of the same major version and no higher minor, as a
    /// CUBIN (machine code runs on later minor versions of its major version);</item>
    /// <item>else the newest supported architecture below the device's, as PTX (the driver compiles PTX
    /// for any later architecture): this is the case of a GPU newer than the NVRTC;</item>
    /// <item>else none: the GPU is older than anything this NVRTC can target.</item>
    /// </list>
    /// </summary>
    public static CompileTarget? Choose(int major, int minor, IReadOnlyCollection<int> supported, out string? reason)
    {
        int device = ArchitectureOf(major, minor);
        reason = null;
        if (supported.Count == 0)
        {
            reason = "NVRTC reports no supported GPU architecture";
            return null;
        }
        if (supported.Contains(device)) return new CompileTarget(device, true);
        var sameMajor = supported.Where(a => a / 10 == major && a < device).ToList();
        if (sameMajor.Count > 0) return new CompileTarget(sameMajor.Max(), true);
        var older = supported.Where(a => a < device).ToList();
        if (older.Count > 0) return new CompileTarget(older.Max(), false);
        int oldest = supported.Min();
        reason = string.Create(CultureInfo.InvariantCulture,
            $"compute capability {major}.{minor} is older than the oldest architecture this NVRTC supports (sm_{oldest}); use an older CUDA toolkit");
        return null;
    }
}

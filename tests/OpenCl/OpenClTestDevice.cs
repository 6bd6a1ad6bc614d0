using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using NUnit.Framework;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>
/// One OpenCL accelerator and one CPU reference for the whole test run: building the device program
/// costs seconds on pocl, so every OpenCL test shares them. Tests call <see cref="Require"/>, which
/// ignores the test (with the reason) when no usable OpenCL device exists, or fails it when
/// ILGPUVAE_REQUIRE_OPENCL=1 (as in CI).
/// </summary>
[SetUpFixture]
public sealed class OpenClTestDevice
{
    private static readonly Lazy<(Accelerator? Accelerator, string? Reason)> Shared = new(Create);
    private static readonly Lazy<CpuAccelerator> SharedCpu = new(() => new CpuAccelerator());

    /// <summary>The shared OpenCL accelerator (the first usable device), or the test is ignored.</summary>
    public static Accelerator Require()
    {
        var (accelerator, reason) = Shared.Value;
        if (accelerator is null)
        {
            // CI installs pocl and sets ILGPUVAE_REQUIRE_OPENCL=1: there a missing device is a failure, not a skip.
            if (Environment.GetEnvironmentVariable("ILGPUVAE_REQUIRE_OPENCL") == "1") Assert.Fail($"ILGPUVAE_REQUIRE_OPENCL=1 but no usable OpenCL device: {reason}");
            Assert.Ignore($"no usable OpenCL device: {reason}");
        }
        return accelerator!;
    }

    /// <summary>The shared CPU reference accelerator.</summary>
    internal static CpuAccelerator Cpu => SharedCpu.Value;

    private static (Accelerator?, string?) Create()
    {
        var provider = AcceleratorFactory.Providers.FirstOrDefault(p => p.Kind == AcceleratorKind.OpenCl);
        if (provider is null) return (null, "this build has no OpenCL backend");
        var devices = provider.Probe();
        var usable = devices.FirstOrDefault(d => d.Usable);
        if (usable is null) return (null, string.Join("; ", devices.Select(d => $"{d.Name}: {d.Reason}")));
        return (provider.Create(usable.Index, new AcceleratorOptions()), null);
    }

    /// <summary>Releases the shared accelerators after the last test.</summary>
    [OneTimeTearDown]
    public void Release()
    {
        if (Shared.IsValueCreated) Shared.Value.Accelerator?.Dispose();
        if (SharedCpu.IsValueCreated) SharedCpu.Value.Dispose();
    }
}

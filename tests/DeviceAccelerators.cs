using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using NUnit.Framework;

namespace IlgpuVae.Tests;

/// <summary>
/// One accelerator per ILGPU family (OpenCL, ILGPU's CPU accelerator, CUDA) and one CPU reference for the
/// whole test run: opening a device compiles every kernel, so every test shares them (a set-up fixture of
/// the root namespace, released after the last test of the run).
/// Tests call <see cref="Require"/>, which ignores the test with the reason when the family has no usable
/// device here, or fails it when the environment demands the family (ILGPUVAE_REQUIRE_OPENCL=1 in CI,
/// ILGPUVAE_REQUIRE_CUDA=1 on a GPU node). ILGPU's CPU accelerator needs no hardware and is always there.
/// </summary>
[SetUpFixture]
public sealed class DeviceAccelerators
{
    /// <summary>The families the device tests run on, as their --accelerator names.</summary>
    public static readonly string[] Families = ["opencl", "ilgpu-cpu", "cuda"];

    private static readonly Dictionary<AcceleratorKind, Lazy<(Accelerator? Accelerator, string? Reason)>> Shared =
        new[] { AcceleratorKind.OpenCl, AcceleratorKind.IlgpuCpu, AcceleratorKind.Cuda }
            .ToDictionary(k => k, k => new Lazy<(Accelerator?, string?)>(() => Create(k)));

    private static readonly Lazy<CpuAccelerator> SharedCpu = new(() => new CpuAccelerator());

    /// <summary>The shared accelerator of <paramref name="family"/> (an --accelerator name), or the test is ignored.</summary>
    public static Accelerator Require(string family)
    {
        var kind = AcceleratorFactory.ParseKind(family) ?? throw new ArgumentException("a family, not auto", nameof(family));
        var (accelerator, reason) = Shared[kind].Value;
        if (accelerator is null)
        {
            string variable = kind == AcceleratorKind.Cuda ? "ILGPUVAE_REQUIRE_CUDA" : "ILGPUVAE_REQUIRE_OPENCL";
            if (Environment.GetEnvironmentVariable(variable) == "1") Assert.Fail($"{variable}=1 but no usable {family} device: {reason}");
            Assert.Ignore($"no usable {family} device: {reason}");
        }
        return accelerator!;
    }

    /// <summary>Ignores the test when <paramref name="family"/> has a usable device (it checks the behaviour without one).</summary>
    public static void RequireAbsent(string family)
    {
        var kind = AcceleratorFactory.ParseKind(family)!.Value;
        var devices = AcceleratorFactory.Providers.Single(p => p.Kind == kind).Probe();
        if (devices.FirstOrDefault(d => d.Usable) is { } usable)
            Assert.Ignore($"checks the behaviour without {family}, and {family} device {usable.Index} ({usable.Name}) is usable here");
    }

    /// <summary>The shared CPU reference accelerator (the SIMD kernels on all cores).</summary>
    internal static CpuAccelerator Cpu => SharedCpu.Value;

    private static (Accelerator?, string?) Create(AcceleratorKind kind)
    {
        var provider = AcceleratorFactory.Providers.Single(p => p.Kind == kind);
        var devices = provider.Probe();
        var usable = devices.FirstOrDefault(d => d.Usable);
        if (usable is null) return (null, string.Join("; ", devices.Select(d => $"{d.Name}: {d.Reason}")));
        return (provider.Create(usable.Index, new AcceleratorOptions()), null);
    }

    /// <summary>Releases the shared accelerators after the last test.</summary>
    [OneTimeTearDown]
    public void Release()
    {
        foreach (var shared in Shared.Values.Where(s => s.IsValueCreated)) shared.Value.Accelerator?.Dispose();
        if (SharedCpu.IsValueCreated) SharedCpu.Value.Dispose();
    }
}

using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cuda;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// What the CUDA tests can count on here: a usable CUDA device, NVRTC, or neither. Tests that need
/// one call <see cref="RequireDevice"/> or <see cref="RequireNvrtc"/>, which mark them ignored with
/// the reason (the same one `ilgpuvae devices` gives) on machines without it, so a run without a GPU
/// shows exactly which checks did not run and why.
/// </summary>
internal static class CudaTestEnvironment
{
    private static readonly Lazy<IReadOnlyList<AcceleratorInfo>> Devices = new(() => new CudaAcceleratorProvider().Probe());

    /// <summary>The first usable CUDA device, or null.</summary>
    public static AcceleratorInfo? UsableDevice => Devices.Value.FirstOrDefault(d => d.Usable);

    /// <summary>Why no CUDA device can be used here (the first device's reason).</summary>
    public static string Reason => Devices.Value.FirstOrDefault()?.Reason ?? "the CUDA provider reports no device";

    /// <summary>The index of a usable CUDA device; ignores the test when there is none.</summary>
    public static int RequireDevice()
    {
        if (UsableDevice is { } device) return device.Index;
        Assert.Ignore($"needs a CUDA GPU: {Reason}");
        return -1;
    }

    /// <summary>Ignores the test when NVRTC cannot be loaded (a GPU is not needed).</summary>
    public static void RequireNvrtc()
    {
        if (NvrtcNative.LoadError is { } error) Assert.Ignore($"needs NVRTC: {error}");
    }

    /// <summary>Ignores the test when a usable CUDA device exists (it checks the behaviour without one).</summary>
    public static void RequireNoDevice()
    {
        if (UsableDevice is { } device) Assert.Ignore($"checks the behaviour without CUDA, and CUDA device {device.Index} ({device.Name}) is usable here");
    }

    /// <summary>A fresh CUDA accelerator on the first usable device, its kernels cached in <paramref name="cacheDirectory"/>.</summary>
    public static Accelerator CreateAccelerator(string? cacheDirectory = null) =>
        new CudaAcceleratorProvider().Create(RequireDevice(), new AcceleratorOptions(KernelCacheDirectory: cacheDirectory));
}

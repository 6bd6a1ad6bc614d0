namespace IlgpuVae.Engine.Accelerators;

/// <summary>The accelerator families the engine runs on.</summary>
public enum AcceleratorKind
{
    /// <summary>The engine's SIMD C# kernels (AVX-512/AVX2 with explicit FMA) on all cores: the fast path without a GPU, and the CPU baseline.</summary>
    Cpu,
    /// <summary>The device kernels compiled by ILGPU to OpenCL C, on any OpenCL device (GPUs, or CPUs via pocl).</summary>
    OpenCl,
    /// <summary>The device kernels compiled by ILGPU to PTX, on NVIDIA GPUs.</summary>
    Cuda,
    /// <summary>The device kernels run as .NET code by ILGPU's CPU accelerator: the way to debug and cross-check them without a device.</summary>
    IlgpuCpu,
}

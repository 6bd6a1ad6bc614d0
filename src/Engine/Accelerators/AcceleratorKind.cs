namespace IlgpuVae.Engine.Accelerators;

/// <summary>The three accelerator families the engine runs on.</summary>
public enum AcceleratorKind
{
    /// <summary>Managed C#: SIMD (AVX-512/AVX2 with explicit FMA) on all cores.</summary>
    Cpu,
    /// <summary>OpenCL through the ICD loader (libOpenCL.so.1): GPUs, or CPUs via pocl.</summary>
    OpenCl,
    /// <summary>NVIDIA GPUs through the CUDA driver API and NVRTC.</summary>
    Cuda,
}

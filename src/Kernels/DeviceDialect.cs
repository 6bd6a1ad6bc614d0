namespace IlgpuVae.Kernels;

/// <summary>The two languages the portable device sources are compiled as.</summary>
public enum DeviceDialect
{
    /// <summary>OpenCL C 1.2, built by the OpenCL runtime (prelude_opencl.h).</summary>
    OpenCl,
    /// <summary>CUDA C++, compiled by NVRTC (prelude_cuda.h).</summary>
    Cuda,
}

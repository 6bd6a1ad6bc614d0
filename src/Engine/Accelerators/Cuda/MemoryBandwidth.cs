using System.Globalization;
using ILGPU.Runtime.Cuda;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// A CUDA device's peak memory bandwidth: two transfers per memory clock (DDR and HBM both move data on each
/// edge) × the bus width in bytes, from the clock and width the driver reports
/// (CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE, CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH). It is the yardstick
/// `ilgpuvae bench --kernels` sets the memory-bound kernels' GB/s against, as <see cref="Fp32Peak"/> is for
/// the matrix kernels. NVIDIA's data sheets round differently (an H200: 4.8 TB/s), so it is a close
/// reference, not a quoted figure.
/// </summary>
internal static class MemoryBandwidth
{
    /// <summary>Bytes per second for a memory clock in MHz and a bus width in bits, or null when either is not positive.</summary>
    public static double? BytesPerSecond(int memoryClockMegahertz, int busWidthBits) =>
        memoryClockMegahertz > 0 && busWidthBits > 0 ? 2.0 * memoryClockMegahertz * 1e6 * (busWidthBits / 8.0) : null;

    /// <summary>The bandwidth of an ILGPU CUDA device (ILGPU reports the memory clock in MHz), or null.</summary>
    public static double? BytesPerSecond(CudaDevice device) => BytesPerSecond(device.MemoryClockRate, device.MemoryBusWidth);

    /// <summary>How the bandwidth was worked out, e.g. "4.9 TB/s (2 × 3201 MHz × 6144-bit bus)", or null.</summary>
    public static string? Describe(CudaDevice device) =>
        BytesPerSecond(device) is double b
            ? string.Create(CultureInfo.InvariantCulture, $"{b / 1e12:0.0} TB/s (2 × {device.MemoryClockRate} MHz × {device.MemoryBusWidth}-bit bus)")
            : null;
}

using System.Globalization;
using ILGPU.Runtime.Cuda;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// A CUDA device's FP32 peak: multiprocessors × FP32 lanes per multiprocessor × 2 × clock, the 2 because
/// a fused multiply-add counts as two floating-point operations. It is the yardstick `ilgpuvae devices`
/// shows and `ilgpuvae bench --kernels` measures the matrix kernels against. The clock is the one the
/// driver reports (CU_DEVICE_ATTRIBUTE_CLOCK_RATE, the boost clock), so this is the figure NVIDIA quotes,
/// e.g. 132 × 128 × 2 × 1.98 GHz = 66.9 TFLOP/s for an H100 SXM.
/// </summary>
internal static class Fp32Peak
{
    // FP32 lanes per multiprocessor by compute capability: the row "32-bit floating-point add, multiply,
    // multiply-add" (results per clock cycle per multiprocessor) of the table "Throughput of Native
    // Arithmetic Instructions" in NVIDIA's CUDA C++ Programming Guide, section "Arithmetic Instructions"
    // (CUDA 12), which CUDA 13 moved to the CUDA C++ Best Practices Guide, section 12.1.1. Its columns are
    // 5.0/5.2, 5.3, 6.0, 6.1, 6.2, 7.x, 8.0, 8.6, 8.9, 9.0, and in CUDA 13 also 10.0, 10.3, 12.0 and 12.1.
    // A capability that is not listed (a newer GPU, say) has no known peak and none is shown.
    private static readonly Dictionary<(int Major, int Minor), int> LanesByCapability = new()
    {
        [(5, 0)] = 128, [(5, 2)] = 128, [(5, 3)] = 128,
        [(6, 0)] = 64, [(6, 1)] = 128, [(6, 2)] = 128,
        [(7, 0)] = 64, [(7, 2)] = 64, [(7, 5)] = 64,
        [(8, 0)] = 64, [(8, 6)] = 128, [(8, 9)] = 128,
        [(9, 0)] = 128,
        [(10, 0)] = 128, [(10, 3)] = 128,
        [(12, 0)] = 128, [(12, 1)] = 128,
    };

    /// <summary>FP32 results per clock cycle per multiprocessor for compute capability major.minor, or null when the table does not list it.</summary>
    public static int? LanesPerMultiprocessor(int major, int minor) =>
        LanesByCapability.TryGetValue((major, minor), out int lanes) ? lanes : null;

    /// <summary>The peak in FLOP/s, or null when the capability is not in the table or the count or clock is not positive.</summary>
    public static double? FlopsPerSecond(int major, int minor, int multiprocessors, int clockKilohertz) =>
        LanesPerMultiprocessor(major, minor) is int lanes && multiprocessors > 0 && clockKilohertz > 0
            ? multiprocessors * (double)lanes * 2 * clockKilohertz * 1e3
            : null;

    /// <summary>How the peak was worked out, e.g. "66.9 TFLOP/s (132 SMs × 128 FP32 lanes × 2 × 1980 MHz)", or null without a peak.</summary>
    public static string? Describe(int major, int minor, int multiprocessors, int clockKilohertz) =>
        FlopsPerSecond(major, minor, multiprocessors, clockKilohertz) is double peak
            ? string.Create(CultureInfo.InvariantCulture,
                $"{peak / 1e12:0.0} TFLOP/s ({multiprocessors} SMs × {LanesPerMultiprocessor(major, minor)} FP32 lanes × 2 × {clockKilohertz / 1000.0:0.#} MHz)")
            : null;

    /// <summary>The peak of an ILGPU CUDA device, or null (unknown capability). ILGPU reports the clock in MHz (the driver's kHz / 1000).</summary>
    public static double? FlopsPerSecond(CudaDevice device) =>
        device.Architecture is { } a ? FlopsPerSecond(a.Major, a.Minor, device.NumMultiprocessors, device.ClockRate * 1000) : null;

    /// <summary>How the peak of an ILGPU CUDA device was worked out, or null.</summary>
    public static string? Describe(CudaDevice device) =>
        device.Architecture is { } a ? Describe(a.Major, a.Minor, device.NumMultiprocessors, device.ClockRate * 1000) : null;
}

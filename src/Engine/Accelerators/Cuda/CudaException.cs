using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// A CUDA driver or NVRTC call failed. The message names the call and the result code by its name,
/// number and the library's description, e.g. "cuLaunchKernel(linear_forward) failed:
/// CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES (701): too many resources requested for launch".
/// Out-of-memory results become <see cref="AcceleratorUnavailableException"/> instead (see <see cref="Check"/>).
/// </summary>
public sealed class CudaException : Exception
{
    private CudaException(string call, int code, string name, string message) : base(message)
    {
        Call = call;
        Code = code;
        CodeName = name;
    }

    /// <summary>The function (and its subject) that failed, e.g. "cuMemAlloc_v2".</summary>
    public string Call { get; }

    /// <summary>The <c>CUresult</c> or <c>nvrtcResult</c> value.</summary>
    public int Code { get; }

    /// <summary>The symbolic name of <see cref="Code"/>, e.g. "CUDA_ERROR_ILLEGAL_ADDRESS".</summary>
    public string CodeName { get; }

    /// <summary>Throws when the driver call <paramref name="call"/> returned anything but CUDA_SUCCESS.</summary>
    internal static void Check(int code, string call)
    {
        if (code == CudaNative.Success) return;
        if (code == CudaNative.ErrorOutOfMemory)
            throw new AcceleratorUnavailableException($"CUDA device out of memory: {call} failed with {Describe(code)}; try a smaller --batch-size or model");
        throw Driver(call, code);
    }

    /// <summary>Throws when the NVRTC call <paramref name="call"/> returned anything but NVRTC_SUCCESS.</summary>
    internal static void CheckNvrtc(int code, string call)
    {
        if (code != NvrtcNative.Success) throw Nvrtc(call, code);
    }

    /// <summary>The exception for a failed driver call.</summary>
    internal static CudaException Driver(string call, int code) =>
        new(call, code, DriverName(code), $"{call} failed: {Describe(code)}");

    /// <summary>The exception for a failed NVRTC call.</summary>
    internal static CudaException Nvrtc(string call, int code)
    {
        string name = NvrtcName(code);
        return new CudaException(call, code, name, $"{call} failed: {name} ({code})");
    }

    /// <summary>"NAME (code): description", from the driver when it is loaded, else from the table of common codes.</summary>
    internal static string Describe(int code)
    {
        string name = DriverName(code);
        string? text = DriverString(code);
        return text is null ? $"{name} ({code})" : $"{name} ({code}): {text}";
    }

    /// <summary>The symbolic name of a <c>CUresult</c> (cuGetErrorName, or the fallback table when the driver is absent).</summary>
    internal static unsafe string DriverName(int code)
    {
        if (CudaNative.LoadError is null)
        {
            byte* text = null;
            if (CudaNative.cuGetErrorName(code, &text) == CudaNative.Success && text != null)
                return Marshal.PtrToStringUTF8((nint)text) ?? KnownName(code);
        }
        return KnownName(code);
    }

    private static unsafe string? DriverString(int code)
    {
        if (CudaNative.LoadError is not null) return null;
        byte* text = null;
        return CudaNative.cuGetErrorString(code, &text) == CudaNative.Success && text != null ? Marshal.PtrToStringUTF8((nint)text) : null;
    }

    /// <summary>The symbolic name of an <c>nvrtcResult</c> (nvrtcGetErrorString), or "NVRTC error N" without NVRTC.</summary>
    internal static unsafe string NvrtcName(int code)
    {
        if (NvrtcNative.LoadError is null)
        {
            byte* text = NvrtcNative.nvrtcGetErrorString(code);
            if (text != null) return Marshal.PtrToStringUTF8((nint)text) ?? $"NVRTC error {code}";
        }
        return $"NVRTC error {code}";
    }

    /// <summary>
    /// Names of the results this engine is most likely to meet, for messages written when the driver
    /// itself cannot be asked (it is missing, or failed to load); values from cuda.h.
    /// </summary>
    internal static string KnownName(int code) => code switch
    {
        0 => "CUDA_SUCCESS",
        1 => "CUDA_ERROR_INVALID_VALUE",
        2 => "CUDA_ERROR_OUT_OF_MEMORY",
        3 => "CUDA_ERROR_NOT_INITIALIZED",
        4 => "CUDA_ERROR_DEINITIALIZED",
        34 => "CUDA_ERROR_STUB_LIBRARY",
        46 => "CUDA_ERROR_DEVICE_UNAVAILABLE",
        100 => "CUDA_ERROR_NO_DEVICE",
        101 => "CUDA_ERROR_INVALID_DEVICE",
        200 => "CUDA_ERROR_INVALID_IMAGE",
        201 => "CUDA_ERROR_INVALID_CONTEXT",
        209 => "CUDA_ERROR_NO_BINARY_FOR_GPU",
        218 => "CUDA_ERROR_INVALID_PTX",
        222 => "CUDA_ERROR_UNSUPPORTED_PTX_VERSION",
        400 => "CUDA_ERROR_INVALID_HANDLE",
        500 => "CUDA_ERROR_NOT_FOUND",
        700 => "CUDA_ERROR_ILLEGAL_ADDRESS",
        701 => "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
        702 => "CUDA_ERROR_LAUNCH_TIMEOUT",
        719 => "CUDA_ERROR_LAUNCH_FAILED",
        802 => "CUDA_ERROR_SYSTEM_NOT_READY",
        803 => "CUDA_ERROR_SYSTEM_DRIVER_MISMATCH",
        804 => "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE",
        999 => "CUDA_ERROR_UNKNOWN",
        _ => "CUDA error",
    };
}

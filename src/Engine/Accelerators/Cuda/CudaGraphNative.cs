using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// The CUDA driver functions the engine calls itself: stream capture and graphs, which ILGPU 1.5.3 does
/// not wrap (its stream handle, <c>CudaStream.StreamPtr</c>, is public). Everything else — devices,
/// contexts, memory, modules, launches, events — goes through ILGPU. The library name is ILGPU's own
/// ("cuda"), resolved to the driver's <c>libcuda.so.1</c> like ILGPU's imports (<see cref="Ilgpu.NativeLibraries"/>).
/// </summary>
internal static unsafe partial class CudaGraphNative
{
    private const string Library = "cuda";

    /// <summary>CUDA_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: an unsafe call by the capturing thread invalidates the capture instead of running.</summary>
    public const int CaptureModeThreadLocal = 1;

    /// <summary><c>CUgraphExecUpdateResultInfo</c> (CUDA 12).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct GraphExecUpdateResultInfo
    {
        /// <summary><c>CUgraphExecUpdateResult</c>: 0 = updated; otherwise the kind of difference.</summary>
        public int Result;
        /// <summary>The node that could not be updated (or 0).</summary>
        public nint ErrorNode;
        /// <summary>The node of the old graph it was matched with (or 0).</summary>
        public nint ErrorFromNode;
    }

    [LibraryImport(Library)] public static partial int cuStreamBeginCapture_v2(nint stream, int mode);
    [LibraryImport(Library)] public static partial int cuStreamEndCapture(nint stream, nint* graph);
    [LibraryImport(Library)] public static partial int cuGraphInstantiateWithFlags(nint* exec, nint graph, ulong flags);
    [LibraryImport(Library)] public static partial int cuGraphExecUpdate_v2(nint exec, nint graph, GraphExecUpdateResultInfo* info);
    [LibraryImport(Library)] public static partial int cuGraphLaunch(nint exec, nint stream);
    [LibraryImport(Library)] public static partial int cuGraphExecDestroy(nint exec);
    [LibraryImport(Library)] public static partial int cuGraphDestroy(nint graph);
    [LibraryImport(Library)] private static partial int cuGetErrorName(int code, byte** name);
    [LibraryImport(Library)] private static partial int cuGetErrorString(int code, byte** text);

    /// <summary>"CUDA_ERROR_X (code): text" for a driver result code.</summary>
    public static string Describe(int code)
    {
        byte* name = null, text = null;
        string n = cuGetErrorName(code, &name) == Success && name != null ? Marshal.PtrToStringUTF8((nint)name) ?? "?" : "unknown error";
        string? t = cuGetErrorString(code, &text) == Success && text != null ? Marshal.PtrToStringUTF8((nint)text) : null;
        return t is null ? $"{n} ({code})" : $"{n} ({code}): {t}";
    }
}

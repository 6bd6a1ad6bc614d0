using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// Every CUDA driver API entry point the engine uses, and the constants that go with them: the only
/// file that touches libcuda. The library is found by <see cref="NativeLibrarySearch.Driver"/> and each
/// function is bound as an unmanaged function pointer, so a machine without the driver gets a reason
/// (<see cref="LoadError"/>) instead of a <see cref="DllNotFoundException"/> at the first call.
/// Handles: <c>CUdevice</c> is an int, <c>CUdeviceptr</c> a 64-bit unsigned integer, contexts,
/// streams, modules and functions are pointers; every call returns a <c>CUresult</c> (0 = success).
/// The <c>_v2</c> names are the exports the current headers map the unsuffixed names to.
/// </summary>
internal static unsafe class CudaNative
{
    // ---- CUresult values (cuda.h) that the engine treats specially ----
    public const int Success = 0;
    public const int ErrorOutOfMemory = 2;
    public const int ErrorStubLibrary = 34;
    public const int ErrorNoDevice = 100;
    public const int ErrorInvalidImage = 200;
    public const int ErrorNoBinaryForGpu = 209;
    public const int ErrorInvalidPtx = 218;
    public const int ErrorUnsupportedPtxVersion = 222;

    // ---- CUdevice_attribute ----
    public const int AttributeMaxThreadsPerBlock = 1;
    public const int AttributeMaxGridDimY = 6;
    public const int AttributeClockRate = 13;
    public const int AttributeMultiprocessorCount = 16;
    public const int AttributeComputeMode = 20;
    public const int AttributePciBusId = 33;
    public const int AttributeComputeCapabilityMajor = 75;
    public const int AttributeComputeCapabilityMinor = 76;

    /// <summary>CU_COMPUTEMODE_PROHIBITED: no context may be created on the device.</summary>
    public const int ComputeModeProhibited = 2;

    /// <summary>CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK.</summary>
    public const int FunctionAttributeMaxThreadsPerBlock = 0;

    /// <summary>CU_STREAM_NON_BLOCKING: the stream does not synchronize with the legacy default stream.</summary>
    public const uint StreamNonBlocking = 1;

    // ---- entry points ----
    public static delegate* unmanaged<uint, int> cuInit;
    public static delegate* unmanaged<int*, int> cuDriverGetVersion;
    public static delegate* unmanaged<int*, int> cuDeviceGetCount;
    public static delegate* unmanaged<int*, int, int> cuDeviceGet;
    public static delegate* unmanaged<byte*, int, int, int> cuDeviceGetName;
    public static delegate* unmanaged<int*, int, int, int> cuDeviceGetAttribute;
    public static delegate* unmanaged<nuint*, int, int> cuDeviceTotalMem_v2;
    public static delegate* unmanaged<nint*, int, int> cuDevicePrimaryCtxRetain;
    public static delegate* unmanaged<nint, int> cuCtxSetCurrent;
    public static delegate* unmanaged<nuint*, nuint*, int> cuMemGetInfo_v2;
    public static delegate* unmanaged<ulong*, nuint, int> cuMemAlloc_v2;
    public static delegate* unmanaged<ulong, int> cuMemFree_v2;
    public static delegate* unmanaged<ulong, byte, nuint, nint, int> cuMemsetD8Async;
    public static delegate* unmanaged<ulong, void*, nuint, nint, int> cuMemcpyHtoDAsync_v2;
    public static delegate* unmanaged<void*, ulong, nuint, nint, int> cuMemcpyDtoHAsync_v2;
    public static delegate* unmanaged<nint*, uint, int> cuStreamCreate;
    public static delegate* unmanaged<nint, int> cuStreamDestroy_v2;
    public static delegate* unmanaged<nint, int> cuStreamSynchronize;
    public static delegate* unmanaged<nint*, uint, int> cuEventCreate;
    public static delegate* unmanaged<nint, nint, int> cuEventRecord;
    public static delegate* unmanaged<nint, int> cuEventSynchronize;
    public static delegate* unmanaged<float*, nint, nint, int> cuEventElapsedTime;
    public static delegate* unmanaged<nint, int> cuEventDestroy_v2;
    public static delegate* unmanaged<nint*, void*, int> cuModuleLoadData;
    public static delegate* unmanaged<nint, int> cuModuleUnload;
    public static delegate* unmanaged<nint*, nint, byte*, int> cuModuleGetFunction;
    public static delegate* unmanaged<int*, int, nint, int> cuFuncGetAttribute;
    public static delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int> cuLaunchKernel;

    // ---- CUDA graphs (stream capture): optional; a driver without them trains with direct launches ----
    public static delegate* unmanaged<nint, int, int> cuStreamBeginCapture_v2;
    public static delegate* unmanaged<nint, nint*, int> cuStreamEndCapture;
    public static delegate* unmanaged<nint*, nint, ulong, int> cuGraphInstantiateWithFlags;
    public static delegate* unmanaged<nint, nint, GraphExecUpdateResultInfo*, int> cuGraphExecUpdate_v2;
    public static delegate* unmanaged<nint, nint, int> cuGraphLaunch;
    public static delegate* unmanaged<nint, int> cuGraphExecDestroy;
    public static delegate* unmanaged<nint, int> cuGraphDestroy;

    /// <summary>CU_STREAM_CAPTURE_MODE_THREAD_LOCAL: calls that are unsafe during capture fail when made by the capturing thread.</summary>
    public const int StreamCaptureModeThreadLocal = 1;

    /// <summary><c>CUgraphExecUpdateResultInfo</c>: why cuGraphExecUpdate could not update an executable graph in place.</summary>
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

    /// <summary>Why CUDA graphs cannot be used with this driver (an entry point is missing), or null when they can.</summary>
    public static string? GraphsUnavailable { get; private set; }
    public static delegate* unmanaged<int, byte**, int> cuGetErrorName;
    public static delegate* unmanaged<int, byte**, int> cuGetErrorString;

    private static readonly Lazy<(string? Error, string? Path)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why the driver API cannot be used (library or entry point missing), or null once every function is bound.</summary>
    public static string? LoadError => Loaded.Value.Error;

    /// <summary>The candidate the driver library was loaded from (null when it was not).</summary>
    public static string? LibraryPath => Loaded.Value.Path;

    private static (string?, string?) Load()
    {
        var (library, path, error) = NativeLibrarySearch.Driver(Environment.GetEnvironmentVariable("CUDA_HOME")).Load();
        if (library == 0) return (error, null);
        try
        {
            cuInit = (delegate* unmanaged<uint, int>)NativeLibrarySearch.Export(library, "cuInit");
            cuDriverGetVersion = (delegate* unmanaged<int*, int>)NativeLibrarySearch.Export(library, "cuDriverGetVersion");
            cuDeviceGetCount = (delegate* unmanaged<int*, int>)NativeLibrarySearch.Export(library, "cuDeviceGetCount");
            cuDeviceGet = (delegate* unmanaged<int*, int, int>)NativeLibrarySearch.Export(library, "cuDeviceGet");
            cuDeviceGetName = (delegate* unmanaged<byte*, int, int, int>)NativeLibrarySearch.Export(library, "cuDeviceGetName");
            cuDeviceGetAttribute = (delegate* unmanaged<int*, int, int, int>)NativeLibrarySearch.Export(library, "cuDeviceGetAttribute");
            cuDeviceTotalMem_v2 = (delegate* unmanaged<nuint*, int, int>)NativeLibrarySearch.Export(library, "cuDeviceTotalMem_v2");
            cuDevicePrimaryCtxRetain = (delegate* unmanaged<nint*, int, int>)NativeLibrarySearch.Export(library, "cuDevicePrimaryCtxRetain");
            cuCtxSetCurrent = (delegate* unmanaged<nint, int>)NativeLibrarySearch.Export(library, "cuCtxSetCurrent");
            cuMemGetInfo_v2 = (delegate* unmanaged<nuint*, nuint*, int>)NativeLibrarySearch.Export(library, "cuMemGetInfo_v2");
            cuMemAlloc_v2 = (delegate* unmanaged<ulong*, nuint, int>)NativeLibrarySearch.Export(library, "cuMemAlloc_v2");
            cuMemFree_v2 = (delegate* unmanaged<ulong, int>)NativeLibrarySearch.Export(library, "cuMemFree_v2");
            cuMemsetD8Async = (delegate* unmanaged<ulong, byte, nuint, nint, int>)NativeLibrarySearch.Export(library, "cuMemsetD8Async");
            cuMemcpyHtoDAsync_v2 = (delegate* unmanaged<ulong, void*, nuint, nint, int>)NativeLibrarySearch.Export(library, "cuMemcpyHtoDAsync_v2");
            cuMemcpyDtoHAsync_v2 = (delegate* unmanaged<void*, ulong, nuint, nint, int>)NativeLibrarySearch.Export(library, "cuMemcpyDtoHAsync_v2");
            cuStreamCreate = (delegate* unmanaged<nint*, uint, int>)NativeLibrarySearch.Export(library, "cuStreamCreate");
            cuStreamDestroy_v2 = (delegate* unmanaged<nint, int>)NativeLibrarySearch.Export(library, "cuStreamDestroy_v2");
            cuStreamSynchronize = (delegate* unmanaged<nint, int>)NativeLibrarySearch.Export(library, "cuStreamSynchronize");
            cuEventCreate = (delegate* unmanaged<nint*, uint, int>)NativeLibrarySearch.Export(library, "cuEventCreate");
            cuEventRecord = (delegate* unmanaged<nint, nint, int>)NativeLibrarySearch.Export(library, "cuEventRecord");
            cuEventSynchronize = (delegate* unmanaged<nint, int>)NativeLibrarySearch.Export(library, "cuEventSynchronize");
            // Drivers of CUDA 12.8 and later export cuEventElapsedTime_v2 (same signature), older ones only the
            // unsuffixed name, and CUDA 13 drivers may drop that one: take whichever the driver has, newest first.
            cuEventElapsedTime = (delegate* unmanaged<float*, nint, nint, int>)NativeLibrarySearch.FirstExport(library, ["cuEventElapsedTime_v2", "cuEventElapsedTime"]).Address;
            cuEventDestroy_v2 = (delegate* unmanaged<nint, int>)NativeLibrarySearch.Export(library, "cuEventDestroy_v2");
            cuModuleLoadData = (delegate* unmanaged<nint*, void*, int>)NativeLibrarySearch.Export(library, "cuModuleLoadData");
            cuModuleUnload = (delegate* unmanaged<nint, int>)NativeLibrarySearch.Export(library, "cuModuleUnload");
            cuModuleGetFunction = (delegate* unmanaged<nint*, nint, byte*, int>)NativeLibrarySearch.Export(library, "cuModuleGetFunction");
            cuFuncGetAttribute = (delegate* unmanaged<int*, int, nint, int>)NativeLibrarySearch.Export(library, "cuFuncGetAttribute");
            cuLaunchKernel = (delegate* unmanaged<nint, uint, uint, uint, uint, uint, uint, uint, nint, void**, void**, int>)NativeLibrarySearch.Export(library, "cuLaunchKernel");
            BindGraphs(library);
            cuGetErrorName = (delegate* unmanaged<int, byte**, int>)NativeLibrarySearch.Export(library, "cuGetErrorName");
            cuGetErrorString = (delegate* unmanaged<int, byte**, int>)NativeLibrarySearch.Export(library, "cuGetErrorString");
            return (null, path);
        }
        catch (EntryPointNotFoundException e)
        {
            return ($"the CUDA driver library {path} lacks {e.Message} (the driver is too old: the engine needs CUDA 11.2 or newer)", path);
        }
    }

    /// <summary>
    /// Binds the graph entry points. They are optional: cuGraphExecUpdate_v2 needs a CUDA 12 driver,
    /// and without it the accelerator launches kernels one by one (<see cref="GraphsUnavailable"/> says why).
    /// </summary>
    private static void BindGraphs(nint library)
    {
        string[] names = ["cuStreamBeginCapture_v2", "cuStreamEndCapture", "cuGraphInstantiateWithFlags", "cuGraphExecUpdate_v2",
            "cuGraphLaunch", "cuGraphExecDestroy", "cuGraphDestroy"];
        var addresses = new nint[names.Length];
        for (int i = 0; i < names.Length; i++)
        {
            if (!NativeLibrary.TryGetExport(library, names[i], out addresses[i]))
            {
                GraphsUnavailable = $"the CUDA driver lacks {names[i]} (CUDA graphs need a CUDA 12 driver or newer)";
                return;
            }
        }
        cuStreamBeginCapture_v2 = (delegate* unmanaged<nint, int, int>)addresses[0];
        cuStreamEndCapture = (delegate* unmanaged<nint, nint*, int>)addresses[1];
        cuGraphInstantiateWithFlags = (delegate* unmanaged<nint*, nint, ulong, int>)addresses[2];
        cuGraphExecUpdate_v2 = (delegate* unmanaged<nint, nint, GraphExecUpdateResultInfo*, int>)addresses[3];
        cuGraphLaunch = (delegate* unmanaged<nint, nint, int>)addresses[4];
        cuGraphExecDestroy = (delegate* unmanaged<nint, int>)addresses[5];
        cuGraphDestroy = (delegate* unmanaged<nint, int>)addresses[6];
    }
}

using System.Runtime.InteropServices;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// Every NVRTC entry point the engine uses: the only file that touches libnvrtc. Found by
/// <see cref="NativeLibrarySearch.Nvrtc"/> and bound as unmanaged function pointers, like
/// <see cref="CudaNative"/>; NVRTC is loaded separately from the driver because a node may have a
/// driver and no toolkit, which makes its GPUs listable but not usable. Every call returns an
/// <c>nvrtcResult</c> (0 = success). nvrtcGetCUBIN and nvrtcGetSupportedArchs need NVRTC 11.2 or newer.
/// </summary>
internal static unsafe class NvrtcNative
{
    /// <summary>NVRTC_SUCCESS.</summary>
    public const int Success = 0;

    /// <summary>NVRTC_ERROR_COMPILATION: the source did not compile (the log says why).</summary>
    public const int ErrorCompilation = 6;

    /// <summary>NVRTC_ERROR_BUILTIN_OPERATION_FAILURE: typically libnvrtc-builtins could not be loaded.</summary>
    public const int ErrorBuiltinOperationFailure = 7;

    // ---- entry points ----
    public static delegate* unmanaged<int*, int*, int> nvrtcVersion;
    public static delegate* unmanaged<int*, int> nvrtcGetNumSupportedArchs;
    public static delegate* unmanaged<int*, int> nvrtcGetSupportedArchs;
    public static delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int> nvrtcCreateProgram;
    public static delegate* unmanaged<nint, int, byte**, int> nvrtcCompileProgram;
    public static delegate* unmanaged<nint, nuint*, int> nvrtcGetProgramLogSize;
    public static delegate* unmanaged<nint, byte*, int> nvrtcGetProgramLog;
    public static delegate* unmanaged<nint, nuint*, int> nvrtcGetCUBINSize;
    public static delegate* unmanaged<nint, byte*, int> nvrtcGetCUBIN;
    public static delegate* unmanaged<nint, nuint*, int> nvrtcGetPTXSize;
    public static delegate* unmanaged<nint, byte*, int> nvrtcGetPTX;
    public static delegate* unmanaged<nint*, int> nvrtcDestroyProgram;
    public static delegate* unmanaged<int, byte*> nvrtcGetErrorString;

    private static readonly Lazy<(string? Error, string? Path)> Loaded = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Why NVRTC cannot be used (library or entry point missing), or null once every function is bound.</summary>
    public static string? LoadError => Loaded.Value.Error;

    /// <summary>The candidate NVRTC was loaded from (null when it was not).</summary>
    public static string? LibraryPath => Loaded.Value.Path;

    private static (string?, string?) Load()
    {
        var (library, path, error) = NativeLibrarySearch.Nvrtc(Environment.GetEnvironmentVariable("CUDA_HOME"), DriverMajorVersion()).Load();
        if (library == 0) return (error, null);
        try
        {
            nvrtcVersion = (delegate* unmanaged<int*, int*, int>)NativeLibrarySearch.Export(library, "nvrtcVersion");
            nvrtcGetNumSupportedArchs = (delegate* unmanaged<int*, int>)NativeLibrarySearch.Export(library, "nvrtcGetNumSupportedArchs");
            nvrtcGetSupportedArchs = (delegate* unmanaged<int*, int>)NativeLibrarySearch.Export(library, "nvrtcGetSupportedArchs");
            nvrtcCreateProgram = (delegate* unmanaged<nint*, byte*, byte*, int, byte**, byte**, int>)NativeLibrarySearch.Export(library, "nvrtcCreateProgram");
            nvrtcCompileProgram = (delegate* unmanaged<nint, int, byte**, int>)NativeLibrarySearch.Export(library, "nvrtcCompileProgram");
            nvrtcGetProgramLogSize = (delegate* unmanaged<nint, nuint*, int>)NativeLibrarySearch.Export(library, "nvrtcGetProgramLogSize");
            nvrtcGetProgramLog = (delegate* unmanaged<nint, byte*, int>)NativeLibrarySearch.Export(library, "nvrtcGetProgramLog");
            nvrtcGetCUBINSize = (delegate* unmanaged<nint, nuint*, int>)NativeLibrarySearch.Export(library, "nvrtcGetCUBINSize");
            nvrtcGetCUBIN = (delegate* unmanaged<nint, byte*, int>)NativeLibrarySearch.Export(library, "nvrtcGetCUBIN");
            nvrtcGetPTXSize = (delegate* unmanaged<nint, nuint*, int>)NativeLibrarySearch.Export(library, "nvrtcGetPTXSize");
            nvrtcGetPTX = (delegate* unmanaged<nint, byte*, int>)NativeLibrarySearch.Export(library, "nvrtcGetPTX");
            nvrtcDestroyProgram = (delegate* unmanaged<nint*, int>)NativeLibrarySearch.Export(library, "nvrtcDestroyProgram");
            nvrtcGetErrorString = (delegate* unmanaged<int, byte*>)NativeLibrarySearch.Export(library, "nvrtcGetErrorString");
            PreloadBuiltins(path!);
            return (null, path);
        }
        catch (EntryPointNotFoundException e)
        {
            return ($"the NVRTC library {path} lacks {e.Message} (NVRTC 11.2 or newer is needed)", path);
        }
    }

    /// <summary>
    /// The major CUDA version of the installed driver, or null without one: NVRTC output must not be
    /// newer than the driver that loads it, so an NVRTC of that major version or older is tried first.
    /// </summary>
    private static int? DriverMajorVersion()
    {
        if (CudaNative.LoadError is not null) return null;
        int version = 0;
        return CudaNative.cuDriverGetVersion(&version) == CudaNative.Success && version > 0 ? version / 1000 : null;
    }

    /// <summary>
    /// NVRTC opens libnvrtc-builtins.so.MAJOR.MINOR itself, by name, on its first compile, through the
    /// loader's own search only. When NVRTC was found in a toolkit directory that is not on that search
    /// path (CUDA_HOME, /usr/local/cuda/lib64), that open fails and every compile returns
    /// NVRTC_ERROR_BUILTIN_OPERATION_FAILURE. Loading the builtins from NVRTC's own directory first
    /// makes the later open by name find the library already loaded. Best effort: nothing fails here.
    /// </summary>
    private static void PreloadBuiltins(string nvrtcPath)
    {
        string? directory = Path.GetDirectoryName(nvrtcPath);
        if (string.IsNullOrEmpty(directory)) return; // found by the loader's search, which will find the builtins too
        int major = 0, minor = 0;
        if (nvrtcVersion(&major, &minor) != Success) return;
        foreach (string name in new[] { $"libnvrtc-builtins.so.{major}.{minor}", $"libnvrtc-builtins.so.{major}", "libnvrtc-builtins.so" })
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate) && NativeLibrary.TryLoad(candidate, out _)) return;
        }
    }
}

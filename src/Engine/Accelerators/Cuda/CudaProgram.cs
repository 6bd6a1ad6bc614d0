using System.Collections.Concurrent;
using System.Reflection;
using System.Text;
using IlgpuVae.Kernels;
using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// A device's primary context and the engine's module loaded in it, set up once per process per
/// device and shared by every accelerator on that device (CUDA functions hold no arguments, so unlike
/// OpenCL kernel objects they can be shared too). The module comes from the <see cref="KernelCache"/>
/// when a valid entry exists, else from NVRTC. Both live until the process ends: the primary context
/// is retained once and never released, because releasing its last reference would destroy the module.
/// </summary>
internal sealed class CudaProgram
{
    private static readonly ConcurrentDictionary<int, Lazy<CudaProgram>> Programs = new();

    /// <summary>The context current on this thread as far as this class knows (see <see cref="MakeCurrent"/>).</summary>
    [ThreadStatic]
    private static nint t_current;

    private readonly Dictionary<string, nint> _functions;

    private CudaProgram(CudaDevice device, nint context, nint module, Dictionary<string, nint> functions, string origin)
    {
        Device = device;
        Context = context;
        Module = module;
        _functions = functions;
        Origin = origin;
    }

    /// <summary>The device.</summary>
    public CudaDevice Device { get; }

    /// <summary>The device's primary context (<c>CUcontext</c>).</summary>
    public nint Context { get; }

    /// <summary>The loaded module (<c>CUmodule</c>).</summary>
    public nint Module { get; }

    /// <summary>Where the module came from: "kernel cache (path)" or "NVRTC (cache path)".</summary>
    public string Origin { get; }

    /// <summary>The engine build that goes into the cache key.</summary>
    public static string EngineVersion { get; } =
        typeof(CudaProgram).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CudaProgram).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>The entry point <paramref name="name"/> (<c>CUfunction</c>).</summary>
    public bool TryGetFunction(string name, out nint function) => _functions.TryGetValue(name, out function);

    /// <summary>
    /// Makes this program's context current on the calling thread. CUDA keeps the current context per
    /// thread, and the engine may be called from any thread, so every entry into the driver goes through
    /// here; the thread-static cache makes the common case (same thread, same device) one comparison.
    /// </summary>
    public unsafe void MakeCurrent()
    {
        if (t_current == Context) return;
        CudaException.Check(cuCtxSetCurrent(Context), "cuCtxSetCurrent");
        t_current = Context;
    }

    /// <summary>The program for <paramref name="device"/>, set up on first use (the first caller's cache directory wins).</summary>
    public static CudaProgram For(CudaDevice device, string? cacheDirectory)
    {
        var lazy = Programs.GetOrAdd(device.Handle, _ => new Lazy<CudaProgram>(() => Build(device, cacheDirectory), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failure is not cached: the next attempt reports it afresh rather than a stale one.
            Programs.TryRemove(new KeyValuePair<int, Lazy<CudaProgram>>(device.Handle, lazy));
            throw;
        }
    }

    /// <summary>The cache key of the program for <paramref name="target"/>: source, options, NVRTC version, architecture, engine build.</summary>
    public static KernelCacheKey CacheKey(string source, IReadOnlyList<string> options, string nvrtcVersion, CompileTarget target) =>
        new(source, options, "NVRTC " + nvrtcVersion, target.Name, EngineVersion);

    private static unsafe CudaProgram Build(CudaDevice device, string? cacheDirectory)
    {
        if (device.Target is not { } target)
            throw new AcceleratorUnavailableException($"CUDA device {device.Index} ({device.Name}) is not usable: {device.Reason}");
        nint context = 0;
        CudaException.Check(cuDevicePrimaryCtxRetain(&context, device.Handle), $"cuDevicePrimaryCtxRetain({device.Name})");
        CudaException.Check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
        t_current = context;

        string source = DeviceSources.Build(DeviceDialect.Cuda);
        var options = NvrtcCompiler.Options(target);
        var key = CacheKey(source, options, NvrtcCompiler.Version(), target);
        var cache = new KernelCache(KernelCache.ResolveDirectory(cacheDirectory));

        nint module = 0;
        string origin = $"kernel cache ({cache.PathOf(key)})";
        if (cache.TryLoad(key) is { } cached && LoadModule(cached, out module) != Success)
        {
            // A valid entry the driver refuses (say, a driver downgraded under a cached image) is
            // compiled afresh and replaced, like a corrupted one.
            module = 0;
            cache.Remove(key);
        }
        if (module == 0)
        {
            byte[] image = NvrtcCompiler.Compile(source, options, target);
            origin = cache.TryStore(key, image) ? $"NVRTC (cached as {cache.PathOf(key)})" : "NVRTC (the kernel cache is not writable)";
            int code = LoadModule(image, out module);
            if (code is ErrorUnsupportedPtxVersion or ErrorInvalidPtx or ErrorNoBinaryForGpu or ErrorInvalidImage)
                throw new AcceleratorUnavailableException(
                    $"CUDA device {device.Index} ({device.Name}): the driver ({device.DriverVersion}) cannot load the {target.Describe()} code of NVRTC {NvrtcCompiler.Version()}: " +
                    $"{CudaException.Describe(code)}; use an NVRTC no newer than the driver (CUDA_HOME) or update the driver");
            CudaException.Check(code, "cuModuleLoadData");
        }

        var functions = new Dictionary<string, nint>(StringComparer.Ordinal);
        foreach (var name in DeviceKernelNames.All)
        {
            nint function = 0;
            byte[] ascii = Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* n = ascii) CudaException.Check(cuModuleGetFunction(&function, module, n), $"cuModuleGetFunction({name})");
            // A register-hungry kernel may allow fewer threads per block than the device as a whole.
            int limit = 0;
            CudaException.Check(cuFuncGetAttribute(&limit, FunctionAttributeMaxThreadsPerBlock, function), $"cuFuncGetAttribute({name})");
            if (limit < DeviceGeometry.MaxGroupThreads)
                throw new AcceleratorUnavailableException(
                    $"CUDA device {device.Index} ({device.Name}) runs kernel {name} with at most {limit} threads per block; it needs {DeviceGeometry.MaxGroupThreads}");
            functions.Add(name, function);
        }
        return new CudaProgram(device, context, module, functions, origin);
    }

    /// <summary>cuModuleLoadData on <paramref name="image"/> (the driver copies the image before it returns).</summary>
    private static unsafe int LoadModule(byte[] image, out nint module)
    {
        nint m = 0;
        int code;
        fixed (byte* p = image) code = cuModuleLoadData(&m, p);
        module = code == Success ? m : 0;
        return code;
    }
}

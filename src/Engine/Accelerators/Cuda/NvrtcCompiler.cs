using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using static IlgpuVae.Engine.Accelerators.Cuda.NvrtcNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// Compiles the device program with NVRTC in exact mode: the options (<see cref="Options"/>), the
/// version and architecture queries, and the compile itself, whose log heads the exception message
/// when the source does not compile.
/// </summary>
internal static class NvrtcCompiler
{
    /// <summary>The program's name in NVRTC's messages.</summary>
    public const string ProgramName = "ilgpuvae.cu";

    /// <summary>How many lines of a failed compile's log go into the exception message.</summary>
    public const int LogLinesInMessage = 20;

    /// <summary>
    /// The options of exact mode, in this order: the target; no contraction of a·b + c into an FMA
    /// (the kernels write every FMA they mean with <c>__fmaf_rn</c>, and nothing else may fuse);
    /// IEEE round-to-nearest division and square root; subnormals kept, not flushed to zero; C++17;
    /// unannotated functions compiled for the device. Never <c>--use_fast_math</c>, which implies the
    /// opposite of the four floating-point options.
    /// </summary>
    public static IReadOnlyList<string> Options(CompileTarget target) =>
    [
        target.Option,
        "--fmad=false",
        "--prec-div=true",
        "--prec-sqrt=true",
        "--ftz=false",
        "--std=c++17",
        "--device-as-default-execution-space",
    ];

    /// <summary>"major.minor" of the loaded NVRTC (part of the cache key).</summary>
    public static unsafe string Version()
    {
        int major = 0, minor = 0;
        CudaException.CheckNvrtc(nvrtcVersion(&major, &minor), "nvrtcVersion");
        return string.Create(CultureInfo.InvariantCulture, $"{major}.{minor}");
    }

    /// <summary>The architectures the loaded NVRTC can compile for, ascending (e.g. 75, 80, …, 120).</summary>
    public static unsafe IReadOnlyList<int> SupportedArchitectures()
    {
        int count = 0;
        CudaException.CheckNvrtc(nvrtcGetNumSupportedArchs(&count), "nvrtcGetNumSupportedArchs");
        var archs = new int[count];
        fixed (int* a = archs) CudaException.CheckNvrtc(nvrtcGetSupportedArchs(a), "nvrtcGetSupportedArchs");
        Array.Sort(archs);
        return archs;
    }

    /// <summary>
    /// Compiles <paramref name="source"/> for <paramref name="target"/> and returns the CUBIN, or the PTX
    /// text with its terminating NUL (as cuModuleLoadData wants it). A source that does not compile raises
    /// <see cref="AcceleratorUnavailableException"/> with the first lines of NVRTC's log.
    /// </summary>
    public static unsafe byte[] Compile(string source, IReadOnlyList<string> options, CompileTarget target)
    {
        if (LoadError is { } error) throw new AcceleratorUnavailableException($"CUDA kernels cannot be compiled: {error}");
        nint program = 0;
        var strings = new List<nint>();
        try
        {
            nint text = Utf8(source, strings);
            nint name = Utf8(ProgramName, strings);
            CudaException.CheckNvrtc(nvrtcCreateProgram(&program, (byte*)text, (byte*)name, 0, null, null), "nvrtcCreateProgram");

            var optionPointers = new nint[options.Count];
            for (int i = 0; i < options.Count; i++) optionPointers[i] = Utf8(options[i], strings);
            int code;
            fixed (nint* o = optionPointers) code = nvrtcCompileProgram(program, options.Count, (byte**)o);
            if (code != Success)
            {
                // The log explains every failure, not only a compile error (an option NVRTC rejects, say).
                string cause = code switch
                {
                    ErrorCompilation => "failed",
                    ErrorBuiltinOperationFailure => $"failed ({CudaException.NvrtcName(code)}: NVRTC could not load its libnvrtc-builtins library; add the toolkit's lib64 directory to LD_LIBRARY_PATH)",
                    _ => $"failed ({CudaException.NvrtcName(code)})",
                };
                throw new AcceleratorUnavailableException(
                    $"compiling the CUDA kernels for {target.Name} with NVRTC {Version()} {cause}; compile log:{Environment.NewLine}{LogHead(Log(program))}");
            }

            nuint size = 0;
            byte[] image;
            if (target.Cubin)
            {
                CudaException.CheckNvrtc(nvrtcGetCUBINSize(program, &size), "nvrtcGetCUBINSize");
                image = new byte[(int)size];
                fixed (byte* p = image) CudaException.CheckNvrtc(nvrtcGetCUBIN(program, p), "nvrtcGetCUBIN");
            }
            else
            {
                CudaException.CheckNvrtc(nvrtcGetPTXSize(program, &size), "nvrtcGetPTXSize");
                image = new byte[(int)size];
                fixed (byte* p = image) CudaException.CheckNvrtc(nvrtcGetPTX(program, p), "nvrtcGetPTX");
            }
            return image;
        }
        finally
        {
            if (program != 0) nvrtcDestroyProgram(&program);
            foreach (var s in strings) Marshal.FreeCoTaskMem(s);
        }
    }

    /// <summary>The first <see cref="LogLinesInMessage"/> lines of a compile log, and how many more there were.</summary>
    public static string LogHead(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (lines.Length == 0) return "(empty log)";
        string head = string.Join(Environment.NewLine, lines.Take(LogLinesInMessage));
        return lines.Length > LogLinesInMessage ? $"{head}{Environment.NewLine}... ({lines.Length - LogLinesInMessage} more lines)" : head;
    }

    private static unsafe string Log(nint program)
    {
        nuint size = 0;
        if (nvrtcGetProgramLogSize(program, &size) != Success || size <= 1) return "";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
            if (nvrtcGetProgramLog(program, b) != Success) return "";
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
    }

    private static nint Utf8(string text, List<nint> owned)
    {
        nint p = Marshal.StringToCoTaskMemUTF8(text);
        owned.Add(p);
        return p;
    }
}

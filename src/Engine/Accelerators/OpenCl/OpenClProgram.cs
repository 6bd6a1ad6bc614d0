using System.Collections.Concurrent;
using System.Text;
using IlgpuVae.Kernels;
using static IlgpuVae.Engine.Accelerators.OpenCl.OpenClNative;

namespace IlgpuVae.Engine.Accelerators.OpenCl;

/// <summary>
/// A device's OpenCL context and the engine's program built for it, created once per process per
/// device and shared by every accelerator on that device (a build costs seconds on some drivers,
/// pocl included). Both live until the process ends.
/// </summary>
internal sealed class OpenClProgram
{
    /// <summary>
    /// The build options of exact mode: OpenCL C 1.2, correctly rounded division and square root, and
    /// no relaxed-math flag (the source itself turns contraction off with FP_CONTRACT OFF).
    /// </summary>
    public const string BuildOptions = "-cl-std=CL1.2 -cl-fp32-correctly-rounded-divide-sqrt";

    /// <summary>How many lines of a failed build's log go into the exception message.</summary>
    private const int LogLinesInMessage = 20;

    private static readonly ConcurrentDictionary<nint, Lazy<OpenClProgram>> Cache = new();

    private OpenClProgram(OpenClDevice device, nint context, nint program)
    {
        Device = device;
        Context = context;
        Program = program;
    }

    /// <summary>The device.</summary>
    public OpenClDevice Device { get; }

    /// <summary>The context (one device).</summary>
    public nint Context { get; }

    /// <summary>The built program (<c>cl_program</c>).</summary>
    public nint Program { get; }

    /// <summary>The program for <paramref name="device"/>, built on first use.</summary>
    public static OpenClProgram For(OpenClDevice device)
    {
        var lazy = Cache.GetOrAdd(device.Handle, _ => new Lazy<OpenClProgram>(() => Build(device), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // A failed build is not cached: the next attempt reports the failure again rather than a stale one.
            Cache.TryRemove(new KeyValuePair<nint, Lazy<OpenClProgram>>(device.Handle, lazy));
            throw;
        }
    }

    private static unsafe OpenClProgram Build(OpenClDevice device)
    {
        int code;
        nint handle = device.Handle;
        nint* properties = stackalloc nint[3] { ContextPlatform, device.Platform, 0 };
        nint context = clCreateContext(properties, 1, &handle, 0, 0, &code);
        OpenClException.Check(code, $"clCreateContext({device.Name})");

        byte[] source = Encoding.UTF8.GetBytes(DeviceSources.Build(DeviceDialect.OpenCl));
        nint program;
        fixed (byte* s = source)
        {
            byte* text = s;
            nuint length = (nuint)source.Length;
            program = clCreateProgramWithSource(context, 1, &text, &length, &code);
        }
        OpenClException.Check(code, "clCreateProgramWithSource");

        byte[] options = Encoding.ASCII.GetBytes(BuildOptions + "\0");
        fixed (byte* o = options) code = clBuildProgram(program, 1, &handle, o, 0, 0);
        if (code != Success)
        {
            string log = BuildLog(program, handle);
            clReleaseProgram(program);
            clReleaseContext(context);
            var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            string head = string.Join(Environment.NewLine, lines.Take(LogLinesInMessage));
            string more = lines.Length > LogLinesInMessage ? $"{Environment.NewLine}... ({lines.Length - LogLinesInMessage} more lines)" : "";
            throw new AcceleratorUnavailableException(
                $"OpenCL device {device.Index} ({device.Name}): building the kernels failed with {OpenClException.Describe(code)}; build log:{Environment.NewLine}{head}{more}");
        }
        return new OpenClProgram(device, context, program);
    }

    private static unsafe string BuildLog(nint program, nint device)
    {
        nuint size = 0;
        if (clGetProgramBuildInfo(program, device, ProgramBuildLog, 0, null, &size) != Success || size == 0) return "(no build log)";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes)
            if (clGetProgramBuildInfo(program, device, ProgramBuildLog, size, b, null) != Success) return "(no build log)";
        int end = Array.IndexOf(bytes, (byte)0);
        return Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end).Trim();
    }
}

using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;

namespace IlgpuVae.Kernels;

/// <summary>
/// Assembles the complete device program for one dialect from the embedded sources of
/// src/Kernels/Device: the dialect's prelude, the launch-geometry <c>#define</c>s, the shared headers
/// and the kernel files, concatenated in one fixed order (so no <c>#include</c> resolution is needed
/// by NVRTC or the OpenCL runtime, and scripts/check-cuda-dialect.sh compiles exactly this text).
/// </summary>
public static class DeviceSources
{
    /// <summary>The shared headers, in program order (each depends only on those before it).</summary>
    public static IReadOnlyList<string> Headers { get; } = ["detmath.h", "philox.h", "rowsum32.h"];

    /// <summary>The kernel files, in program order.</summary>
    public static IReadOnlyList<string> KernelFiles { get; } =
        ["linear.c", "linear_tiled.c", "latent.c", "likelihood.c", "reduce.c", "optimizer.c", "gather.c", "importance.c"];

    /// <summary>The file that is put into the program once per matrix-product tile size.</summary>
    public const string TiledFile = "linear_tiled.c";

    /// <summary>The entry points the program defines (<see cref="DeviceKernelNames.All"/>).</summary>
    public static IReadOnlyList<string> KernelNames => DeviceKernelNames.All;

    /// <summary>The prelude file of a dialect.</summary>
    public static string PreludeFile(DeviceDialect dialect) => dialect switch
    {
        DeviceDialect.OpenCl => "prelude_opencl.h",
        DeviceDialect.Cuda => "prelude_cuda.h",
        _ => throw new ArgumentOutOfRangeException(nameof(dialect), dialect, "unknown device dialect"),
    };

    /// <summary>
    /// The whole program: prelude, geometry defines, headers, kernel files. Each part is preceded by a
    /// <c>#line 1 "file"</c> marker, so compiler messages name the original file and line.
    /// </summary>
    public static string Build(DeviceDialect dialect)
    {
        var text = new StringBuilder();
        text.Append("/* IlgpuVae device program, ").Append(dialect == DeviceDialect.Cuda ? "CUDA" : "OpenCL C")
            .Append(" dialect, assembled by IlgpuVae.Kernels.DeviceSources. */\n");
        Append(text, PreludeFile(dialect));
        text.Append("#line 1 \"DeviceGeometry\"\n").Append(DeviceGeometry.Defines());
        foreach (var file in Headers) Append(text, file);
        foreach (var file in KernelFiles)
        {
            if (file != TiledFile)
            {
                Append(text, file);
                continue;
            }
            // One copy per tile size, its names made distinct by replacing GEMM_NAME(n) in the text
            // (so the program, as `kernels-source` prints it, names every entry point literally).
            AppendTiled(text, DeviceGeometry.GemmTile, "");
            AppendTiled(text, DeviceGeometry.GemmSmallTile, DeviceKernelNames.SmallTileSuffix);
        }
        return text.ToString();
    }

    /// <summary>The text of one embedded device file (e.g. "linear.c").</summary>
    public static string Read(string file)
    {
        string name = "IlgpuVae.Kernels.Device." + file;
        using var stream = typeof(DeviceSources).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"the device source {file} is not embedded in {typeof(DeviceSources).Assembly.GetName().Name} (resource {name})");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static void Append(StringBuilder text, string file, Func<string, string>? edit = null)
    {
        text.Append("#line 1 \"").Append(file).Append("\"\n");
        string body = Read(file).Replace("\r\n", "\n");
        if (edit is not null) body = edit(body);
        text.Append(body);
        if (!body.EndsWith('\n')) text.Append('\n');
    }

    private static void AppendTiled(StringBuilder text, int tile, string suffix)
    {
        text.Append("#undef GEMM_TILE\n#define GEMM_TILE ").Append(tile).Append('\n');
        Append(text, TiledFile, body => Regex.Replace(body, @"GEMM_NAME\((\w+)\)", m => m.Groups[1].Value + suffix));
    }
}

using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>
/// Finds the native driver libraries under the names that runtime packages install.
/// </summary>
/// <remarks>
/// ILGPU imports <c>"OpenCL"</c> and <c>"cuda"</c>, which the .NET loader looks for as <c>libOpenCL.so</c> and
/// <c>libcuda.so</c>: development symlinks that Debian's <c>ocl-icd-libopencl1</c> and the NVIDIA driver do
/// not install (they ship <c>libOpenCL.so.1</c> and <c>libcuda.so.1</c>). Without a resolver ILGPU finds no
/// device and says nothing. The handler below runs only after the loader's own search has failed, so a
/// machine that has the symlinks is unaffected; it does not clash with the resolver ILGPU sets itself under WSL.
/// </remarks>
internal static class NativeLibraries
{
    /// <summary>The OpenCL ICD loader (Debian: ocl-icd-libopencl1).</summary>
    public const string OpenCl = "libOpenCL.so.1";

    /// <summary>The CUDA driver library (installed with the NVIDIA driver).</summary>
    public const string Cuda = "libcuda.so.1";

    private static int _installed;

    /// <summary>Installs the fallback resolution once per process.</summary>
    public static void Install()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += Resolve;
    }

    /// <summary>Whether <paramref name="soname"/> can be loaded; null when it can, else why not (one line).</summary>
    public static string? Missing(string soname) =>
        NativeLibrary.TryLoad(soname, out _) ? null : $"{soname} cannot be loaded";

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        string? soname = name switch
        {
            "OpenCL" => OpenCl,
            "cuda" => Cuda,
            _ => null,
        };
        return soname is not null && NativeLibrary.TryLoad(soname, out var handle) ? handle : IntPtr.Zero;
    }
}

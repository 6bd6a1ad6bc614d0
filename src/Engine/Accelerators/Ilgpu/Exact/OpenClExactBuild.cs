using System.Reflection;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Runtime;
using ILGPU.Runtime.OpenCL;
using static ILGPU.Runtime.OpenCL.CLAPI;

namespace IlgpuVae.Engine.Accelerators.Ilgpu.Exact;

/// <summary>
/// Builds each OpenCL C kernel that ILGPU generates the way the determinism contract needs: with a
/// prelude in front of ILGPU's source and with exact-math build options.
/// </summary>
/// <remarks>
/// <para>The prelude, line by line:</para>
/// <list type="bullet">
/// <item><c>#pragma OPENCL FP_CONTRACT OFF</c>: the compiler may not fuse a*b + c (ILGPU emits no pragma; its
/// code is one operation per statement, which pocl did not contract, but nothing in the standard forbids it).</item>
/// <item><c>NAN</c> as <c>as_float(0x7FC00000)</c>: ILGPU prints every NaN constant as <c>NAN</c>
/// (<c>CLCodeGenerator.Emitter.cs</c>), which clang defines as <c>as_float(INT_MAX)</c>; the engine's
/// canonical NaN is 0x7FC00000 on every side.</item>
/// <item><c>work_group_barrier(f)</c> as <c>barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)</c>: ILGPU's
/// group barrier fences global memory only (<c>CLCodeGenerator.Values.cs</c>), formally too weak for the
/// shared-memory trees, and OpenCL C 1.2 has no <c>work_group_barrier</c> at all.</item>
/// <item>for OpenCL C 1.2 devices, <c>__generic</c> as <c>__global</c>: ILGPU refuses devices without the
/// generic address space (pocl 3.1, OpenCL C 1.2 — <c>CLAccelerator.cs</c>); the engine's kernels pass no
/// pointer whose address space ILGPU cannot infer (every helper is inlined), so the only generic pointers
/// ILGPU prints are global ones.</item>
/// </list>
/// <para>
/// Options: ILGPU passes only <c>-cl-std</c> to <c>clBuildProgram</c> (<c>CLKernel.cs</c>), and OpenCL allows
/// 2.5 ulp for a float division and 3 ulp for a square root without
/// <c>-cl-fp32-correctly-rounded-divide-sqrt</c>. ILGPU offers no way to add an option, so ILGPU loads a
/// placeholder program with the kernel's name (cheap to build), and this class builds the real program with
/// the exact options and puts its kernel handle in place of the placeholder's before the first launch;
/// ILGPU's launcher reads the handle at each launch (<c>CLKernel.KernelPtr</c>).
/// </para>
/// </remarks>
internal static class OpenClExactBuild
{
    /// <summary>
    /// The build options of every program: correctly rounded division and square root, and no warnings
    /// (pocl prints the compiler's warnings about ILGPU's generated code on the program's stderr).
    /// </summary>
    public const string Options = "-cl-fp32-correctly-rounded-divide-sqrt -w";

    /// <summary>What comes in front of ILGPU's source on every device.</summary>
    public const string Prelude =
        "#pragma OPENCL FP_CONTRACT OFF\n" +
        "#undef NAN\n#define NAN as_float(0x7FC00000)\n" +
        "#define work_group_barrier(flags) barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE)\n";

    /// <summary>The addition for OpenCL C 1.2 devices, which have no generic address space.</summary>
    public const string GenericAsGlobal = "#define __generic __global\n";

    private static readonly PropertyInfo EntryPointProperty =
        typeof(CompiledKernel).GetProperty("EntryPoint", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingMemberException(nameof(CompiledKernel), "EntryPoint");

    private static readonly FieldInfo ProgramField = typeof(CLKernel).GetField("programPtr", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingFieldException(nameof(CLKernel), "programPtr");

    private static readonly FieldInfo KernelField = typeof(CLKernel).GetField("kernelPtr", BindingFlags.Instance | BindingFlags.NonPublic)
        ?? throw new MissingFieldException(nameof(CLKernel), "kernelPtr");

    /// <summary>
    /// Lets ILGPU open an OpenCL device without the generic address space (OpenCL C 1.2, e.g. pocl 3.1), which
    /// it refuses by default: its capability flag is set by reflection (the setter is internal), and the
    /// programs of such a device get <see cref="GenericAsGlobal"/>. Returns whether the device has the generic
    /// address space itself.
    /// </summary>
    public static bool OpenWithoutGenericAddressSpace(CLDevice device)
    {
        if (device.Capabilities.GenericAddressSpace) return true;
        typeof(CLCapabilityContext).GetProperty(nameof(CLCapabilityContext.GenericAddressSpace))!.SetValue(device.Capabilities, true);
        return false;
    }

    /// <summary>The full source the engine builds for ILGPU's <paramref name="compiled"/> kernel.</summary>
    public static string Source(CLCompiledKernel compiled, bool genericAddressSpace) =>
        Prelude + (genericAddressSpace ? "" : GenericAsGlobal) + compiled.Source;

    /// <summary>
    /// Loads <paramref name="compiled"/> on <paramref name="accelerator"/> with the prelude and the exact options.
    /// A failed build raises <see cref="AcceleratorUnavailableException"/> with the start of the build log.
    /// </summary>
    public static Kernel Load(CLAccelerator accelerator, CLCompiledKernel compiled, bool genericAddressSpace)
    {
        string source = Source(compiled, genericAddressSpace);
        var entryPoint = (SeparateViewEntryPoint)EntryPointProperty.GetValue(compiled)!;
        var placeholder = new CLCompiledKernel(compiled.Context, entryPoint, compiled.Info,
            $"__kernel void {compiled.Name}(void) {{ }}\n", compiled.CVersion);
        var kernel = (CLKernel)accelerator.LoadKernel(placeholder);
        var (program, handle) = Build(accelerator, compiled.Name, source, $"-cl-std={compiled.CVersion} {Options}");
        CurrentAPI.ReleaseKernel(kernel.KernelPtr);
        CurrentAPI.ReleaseProgram(kernel.ProgramPtr);
        ProgramField.SetValue(kernel, program);
        KernelField.SetValue(kernel, handle);
        return kernel;
    }

    private static (IntPtr Program, IntPtr Kernel) Build(CLAccelerator accelerator, string name, string source, string options)
    {
        var error = CurrentAPI.CreateProgram(accelerator.NativePtr, source, out var program);
        if (error != CLError.CL_SUCCESS)
            throw new AcceleratorUnavailableException($"OpenCL could not create the program of kernel {name}: {error}");
        error = CurrentAPI.BuildProgram(program, accelerator.DeviceId, options);
        if (error != CLError.CL_SUCCESS)
        {
            CurrentAPI.GetProgramBuildLog(program, accelerator.DeviceId, out string? log);
            CurrentAPI.ReleaseProgram(program);
            var lines = (log ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(20);
            throw new AcceleratorUnavailableException(
                $"OpenCL could not build kernel {name} ({error}, options {options}):\n{string.Join('\n', lines)}");
        }
        error = CurrentAPI.CreateKernel(program, name, out var kernel);
        if (error != CLError.CL_SUCCESS)
        {
            CurrentAPI.ReleaseProgram(program);
            throw new AcceleratorUnavailableException($"OpenCL could not create kernel {name}: {error}");
        }
        return (program, kernel);
    }
}

using System.Reflection;
using ILGPU;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using IlgpuVae.Kernels.Device;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;

namespace IlgpuVae.Engine.Accelerators.Ilgpu.Exact;

/// <summary>
/// Everything the engine adds around ILGPU to make its kernels exact, in one place: the context settings,
/// the FMA intrinsic (<see cref="FmaIntrinsic"/>), round-to-nearest PTX arithmetic
/// (<see cref="PtxRoundToNearest"/>), the OpenCL prelude and build options (<see cref="OpenClExactBuild"/>)
/// and the check of every compiled kernel (<see cref="CompiledKernelChecks"/>).
/// </summary>
/// <remarks>
/// The kernels themselves avoid the expression shapes that ILGPU's IR folds against IEEE rules
/// (<c>x + 0 → x</c>, <c>0 − x → −x</c>, <c>(x + c1) + c2</c>, <c>(x·c1)·c2</c>); ILGPU's CPU accelerator runs the
/// original .NET code and does not see those folds, but OpenCL runs the same IR as PTX, so the bit-level
/// checks on OpenCL catch any that slip in for CUDA too.
/// </remarks>
internal static class ExactCompilation
{
    /// <summary>
    /// An ILGPU context for the engine's kernels with the devices that <paramref name="devices"/> registers:
    /// optimisation level O1, default math (never fast math: division and square root stay correctly
    /// rounded), every helper inlined (shared-memory views never cross a call), the FMA intrinsic and .rn
    /// PTX arithmetic; with <paramref name="profiling"/>, streams can hold profiling markers (CUDA events,
    /// for device timing).
    /// </summary>
    public static Context CreateContext(Action<Context.Builder> devices, bool profiling = false)
    {
        NativeLibraries.Install();
        return Context.Create(builder =>
        {
            devices(builder);
            builder.Optimize(OptimizationLevel.O1).Math(MathMode.Default).Inlining(InliningMode.Aggressive);
            if (profiling) builder.Profiling();
            FmaIntrinsic.Register(builder);
            PtxRoundToNearest.Register(builder);
        });
    }

    /// <summary>
    /// Compiles the explicitly grouped kernel <paramref name="kernel"/> for <paramref name="accelerator"/>,
    /// checks the generated code and loads it. <paramref name="genericAddressSpace"/> says whether an OpenCL
    /// device has the generic address space (OpenCL C 2.0 and later).
    /// </summary>
    public static Kernel Load(ILGPU.Runtime.Accelerator accelerator, MethodInfo kernel, bool genericAddressSpace)
    {
        var entry = EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
        switch (accelerator)
        {
            case CudaAccelerator cuda:
                var ptx = (PTXCompiledKernel)cuda.Backend.Compile(entry, KernelSpecialization.Empty);
                Require(kernel, "PTX", CompiledKernelChecks.CheckPtx(ptx.PTXAssembly));
                return cuda.LoadKernel(ptx);
            case CLAccelerator openCl:
                var source = (CLCompiledKernel)openCl.Backend.Compile(entry, KernelSpecialization.Empty);
                Require(kernel, "OpenCL C", CompiledKernelChecks.CheckOpenCl(OpenClExactBuild.Source(source, genericAddressSpace)));
                return OpenClExactBuild.Load(openCl, source, genericAddressSpace);
            default:
                // ILGPU's CPU accelerator runs the kernel's .NET code, where MathF.FusedMultiplyAdd is the
                // hardware FMA and the JIT contracts nothing: nothing to check.
                return accelerator.LoadKernel(kernel);
        }
    }

    /// <summary>
    /// The PTX of <paramref name="kernel"/> for <paramref name="architecture"/> without any GPU (ILGPU's PTX
    /// backend needs none), and the problems the check of <see cref="Load"/> finds in it: what CI assembles
    /// with ptxas.
    /// </summary>
    public static (string Ptx, IReadOnlyList<string> Problems) CompilePtx(Context context, MethodInfo kernel,
        CudaArchitecture architecture, CudaInstructionSet instructionSet)
    {
        using var backend = new PTXBackend(context, architecture, instructionSet, null!);
        var compiled = (PTXCompiledKernel)backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);
        return (compiled.PTXAssembly, CompiledKernelChecks.CheckPtx(compiled.PTXAssembly));
    }

    /// <summary>The OpenCL C the engine builds for <paramref name="kernel"/> on <paramref name="accelerator"/> (prelude included), and the problems the check finds in it.</summary>
    public static (string Source, IReadOnlyList<string> Problems) CompileOpenCl(CLAccelerator accelerator, MethodInfo kernel, bool genericAddressSpace)
    {
        var compiled = (CLCompiledKernel)accelerator.Backend.Compile(EntryPointDescription.FromExplicitlyGroupedKernel(kernel), KernelSpecialization.Empty);
        string source = OpenClExactBuild.Source(compiled, genericAddressSpace);
        return (source, CompiledKernelChecks.CheckOpenCl(source));
    }

    private static void Require(MethodInfo kernel, string language, IReadOnlyList<string> problems)
    {
        if (problems.Count == 0) return;
        throw new AcceleratorUnavailableException(
            $"kernel {DeviceKernelCatalog.NameOf(kernel)} compiled to {language} that cannot be exact ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}; first: {problems[0]})");
    }
}

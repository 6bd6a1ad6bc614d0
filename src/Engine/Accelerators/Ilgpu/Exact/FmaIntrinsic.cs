using System.Reflection;
using ILGPU;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;
using ILGPU.IR.Values;

namespace IlgpuVae.Engine.Accelerators.Ilgpu.Exact;

/// <summary>
/// A fused multiply-add for ILGPU's device backends. The contracts write FMA wherever one rounding is
/// meant, as <see cref="MathF.FusedMultiplyAdd"/> in the shared C# kernels; ILGPU 1.5.3 has no intrinsic
/// for it and would compile the call into one to an undeclared external function (PTX that cannot load).
/// </summary>
/// <remarks>
/// ILGPU looks up code generators only for methods marked <see cref="IntrinsicImplementationAttribute"/>,
/// so calls of <see cref="MathF.FusedMultiplyAdd"/> are first remapped (process-wide, in ILGPU's frontend)
/// to <see cref="Fma"/>, whose generators print <c>fma.rn.f32</c> (PTX) and <c>fma(a, b, c)</c> (OpenCL C),
/// both one correctly rounded operation. ILGPU's CPU accelerator runs the original .NET code, where the
/// JIT emits the hardware FMA.
/// </remarks>
internal static class FmaIntrinsic
{
    private static readonly MethodInfo MathFma = typeof(MathF).GetMethod(nameof(MathF.FusedMultiplyAdd),
        [typeof(float), typeof(float), typeof(float)])!;

    private static readonly MethodInfo DeviceFma = typeof(FmaIntrinsic).GetMethod(nameof(Fma))!;

    private static readonly object RemapLock = new();
    private static bool _remapped;

    /// <summary>The device-side FMA that <see cref="MathF.FusedMultiplyAdd"/> is remapped to.</summary>
    [IntrinsicImplementation]
    public static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <summary>Installs the remapping (once per process: ILGPU's table is static and not thread-safe) and the code generators of <paramref name="builder"/>'s context.</summary>
    public static void Register(Context.Builder builder)
    {
        lock (RemapLock)
        {
            if (!_remapped)
            {
                ILGPU.Frontend.Intrinsic.RemappedIntrinsics.AddRemapping(MathFma,
                    (ref ILGPU.Frontend.InvocationContext context) => context.Method = DeviceFma);
                _remapped = true;
            }
        }
        var manager = builder.GetIntrinsicManager();
        manager.RegisterMethod(DeviceFma, new PTXIntrinsic(typeof(FmaIntrinsic).GetMethod(nameof(GeneratePtx))!,
            IntrinsicImplementationMode.GenerateCode));
        manager.RegisterMethod(DeviceFma, new CLIntrinsic(typeof(FmaIntrinsic).GetMethod(nameof(GenerateOpenCl))!,
            IntrinsicImplementationMode.GenerateCode));
    }

    /// <summary>PTX code generator: <c>fma.rn.f32 d, a, b, c</c>.</summary>
    public static void GeneratePtx(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value)
    {
        var call = (MethodCall)value;
        var a = codeGenerator.LoadPrimitive(call[0]);
        var b = codeGenerator.LoadPrimitive(call[1]);
        var c = codeGenerator.LoadPrimitive(call[2]);
        var target = codeGenerator.AllocateHardware(value);
        using var command = codeGenerator.BeginCommand("fma.rn.f32");
        command.AppendArgument(target);
        command.AppendArgument(a);
        command.AppendArgument(b);
        command.AppendArgument(c);
    }

    /// <summary>OpenCL C code generator: <c>d = fma(a, b, c);</c>.</summary>
    public static void GenerateOpenCl(CLBackend backend, CLCodeGenerator codeGenerator, Value value)
    {
        var call = (MethodCall)value;
        var a = codeGenerator.Load(call[0]);
        var b = codeGenerator.Load(call[1]);
        var c = codeGenerator.Load(call[2]);
        var target = codeGenerator.Allocate(value);
        using var statement = codeGenerator.BeginStatement(target);
        statement.AppendCommand("fma");
        statement.BeginArguments();
        statement.AppendArgument(a);
        statement.AppendArgument(b);
        statement.AppendArgument(c);
        statement.EndArguments();
    }
}

using ILGPU;
using ILGPU.Backends.PTX;
using ILGPU.IR;
using ILGPU.IR.Intrinsics;
using ILGPU.IR.Values;

namespace IlgpuVae.Engine.Accelerators.Ilgpu.Exact;

/// <summary>
/// Float additions, subtractions and multiplications in PTX in their round-to-nearest (<c>.rn</c>) form.
/// </summary>
/// <remarks>
/// ILGPU 1.5.3 prints <c>add.f32</c>, <c>sub.f32</c> and <c>mul.f32</c> without a rounding modifier
/// (<c>PTXInstructions.Data.cs</c>). ptxas may then fuse a multiplication and a later addition into one
/// FFMA (seen in SASS for sm_90), which rounds once where the contract rounds twice. Instructions with an
/// explicit <c>.rn</c> are never contracted, so these generators replace ILGPU's for 32-bit floats.
/// </remarks>
internal static class PtxRoundToNearest
{
    /// <summary>Registers the generators on <paramref name="builder"/>'s context.</summary>
    public static void Register(Context.Builder builder)
    {
        var manager = builder.GetIntrinsicManager();
        var generator = new PTXIntrinsic(typeof(PtxRoundToNearest).GetMethod(nameof(GenerateBinary))!,
            IntrinsicImplementationMode.GenerateCode);
        foreach (var kind in new[] { BinaryArithmeticKind.Add, BinaryArithmeticKind.Sub, BinaryArithmeticKind.Mul })
            manager.RegisterBinaryArithmetic(kind, BasicValueType.Float32, generator);
    }

    /// <summary>PTX code generator for one float binary operation.</summary>
    public static void GenerateBinary(PTXBackend backend, PTXCodeGenerator codeGenerator, Value value)
    {
        var operation = (BinaryArithmeticValue)value;
        string instruction = operation.Kind switch
        {
            BinaryArithmeticKind.Add => "add.rn.f32",
            BinaryArithmeticKind.Sub => "sub.rn.f32",
            BinaryArithmeticKind.Mul => "mul.rn.f32",
            _ => throw new NotSupportedException($"no round-to-nearest form registered for {operation.Kind}"),
        };
        var left = codeGenerator.LoadPrimitive(operation.Left);
        var right = codeGenerator.LoadPrimitive(operation.Right);
        var target = codeGenerator.AllocateHardware(value);
        using var command = codeGenerator.BeginCommand(instruction);
        command.AppendArgument(target);
        command.AppendArgument(left);
        command.AppendArgument(right);
    }
}

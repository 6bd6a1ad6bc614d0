using System.Reflection;
using ILGPU;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// Every device kernel of the engine, by name: what an accelerator compiles and loads, what the PTX and
/// OpenCL checks compile without a device, and what <c>ilgpuvae kernels-source</c> prints. The matrix
/// products appear once per register block (the <c>.Tile32</c> entries are the 32 × 32 tiles).
/// </summary>
public static class DeviceKernelCatalog
{
    /// <summary><see cref="LinearKernels.Forward{TBlock}"/>, 64 × 64 tiles.</summary>
    public static readonly MethodInfo LinearForward = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, Activation>(LinearKernels.Forward<Block4x4>);

    /// <summary><see cref="LinearKernels.Forward{TBlock}"/>, 32 × 32 tiles.</summary>
    public static readonly MethodInfo LinearForwardTile32 = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, Activation>(LinearKernels.Forward<Block2x2>);

    /// <summary><see cref="LinearKernels.BackwardData{TBlock}"/>, 64 × 64 tiles.</summary>
    public static readonly MethodInfo LinearBackwardData = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, Activation>(LinearKernels.BackwardData<Block4x4>);

    /// <summary><see cref="LinearKernels.BackwardData{TBlock}"/>, 32 × 32 tiles.</summary>
    public static readonly MethodInfo LinearBackwardDataTile32 = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, Activation>(LinearKernels.BackwardData<Block2x2>);

    /// <summary><see cref="LinearKernels.BackwardWeights{TBlock}"/>, 64 × 64 tiles.</summary>
    public static readonly MethodInfo LinearBackwardWeights = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, BatchParts>(LinearKernels.BackwardWeights<Block4x4>);

    /// <summary><see cref="LinearKernels.BackwardWeights{TBlock}"/>, 32 × 32 tiles.</summary>
    public static readonly MethodInfo LinearBackwardWeightsTile32 = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, BatchParts>(LinearKernels.BackwardWeights<Block2x2>);

    /// <summary><see cref="LinearKernels.BackwardBias"/>.</summary>
    public static readonly MethodInfo LinearBackwardBias = Of<ArrayView<float>, ArrayView<float>, int, BatchParts>(LinearKernels.BackwardBias);

    /// <summary><see cref="LatentKernels.Sample"/>.</summary>
    public static readonly MethodInfo SampleLatent = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, int, RandomKey>(LatentKernels.Sample);

    /// <summary><see cref="LatentKernels.Kl"/>.</summary>
    public static readonly MethodInfo GaussianKl = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, KlEstimator>(LatentKernels.Kl);

    /// <summary><see cref="LatentKernels.Backward"/>.</summary>
    public static readonly MethodInfo LatentBackward = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, KlEstimator>(LatentKernels.Backward);

    /// <summary><see cref="LikelihoodKernels.Bernoulli"/>.</summary>
    public static readonly MethodInfo BernoulliLogLikelihood = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float>(LikelihoodKernels.Bernoulli);

    /// <summary><see cref="LikelihoodKernels.Gaussian"/>.</summary>
    public static readonly MethodInfo GaussianLogLikelihood = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int, float, float>(LikelihoodKernels.Gaussian);

    /// <summary><see cref="ReductionKernels.ElboRows"/>.</summary>
    public static readonly MethodInfo ElboRows = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int>(ReductionKernels.ElboRows);

    /// <summary><see cref="ReductionKernels.Sum"/>.</summary>
    public static readonly MethodInfo SumRows = Of<ArrayView<float>, ArrayView<float>, BatchParts>(ReductionKernels.Sum);

    /// <summary><see cref="OptimizerKernel.Update"/>.</summary>
    public static readonly MethodInfo OptimizerUpdate = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, OptimizerScalars>(OptimizerKernel.Update);

    /// <summary><see cref="GatherKernel.Gather"/>.</summary>
    public static readonly MethodInfo GatherBatch = Of<ArrayView<byte>, ArrayView<int>, ArrayView<float>, int, int, int, int, Binarization, RandomKey>(GatherKernel.Gather);

    /// <summary><see cref="ImportanceKernels.LogWeights"/>.</summary>
    public static readonly MethodInfo ImportanceLogWeights = Of<ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, ArrayView<float>, int, int, int>(ImportanceKernels.LogWeights);

    /// <summary><see cref="ImportanceKernels.LogMeanExp"/>.</summary>
    public static readonly MethodInfo LogMeanExp = Of<ArrayView<float>, ArrayView<float>, int, int>(ImportanceKernels.LogMeanExp);

    private static readonly Dictionary<MethodInfo, string> Names = typeof(DeviceKernelCatalog)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType == typeof(MethodInfo))
        .ToDictionary(f => (MethodInfo)f.GetValue(null)!, f => f.Name.EndsWith("Tile32", StringComparison.Ordinal)
            ? f.Name[..^"Tile32".Length] + ".Tile32" : f.Name);

    /// <summary>Every kernel with its name (e.g. "LinearForward", "LinearForward.Tile32"), in declaration order.</summary>
    public static IReadOnlyList<(string Name, MethodInfo Method)> All { get; } =
        typeof(DeviceKernelCatalog).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(MethodInfo))
            .Select(f => (Names[(MethodInfo)f.GetValue(null)!], (MethodInfo)f.GetValue(null)!)).ToList();

    /// <summary>The catalog name of <paramref name="kernel"/> (its method name when it is not in the catalog).</summary>
    public static string NameOf(MethodInfo kernel) => Names.TryGetValue(kernel, out var name) ? name : kernel.Name;

    private static MethodInfo Of<T1, T2, T3>(Action<T1, T2, T3> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4>(Action<T1, T2, T3, T4> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4, T5>(Action<T1, T2, T3, T4, T5> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4, T5, T6>(Action<T1, T2, T3, T4, T5, T6> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4, T5, T6, T7>(Action<T1, T2, T3, T4, T5, T6, T7> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4, T5, T6, T7, T8>(Action<T1, T2, T3, T4, T5, T6, T7, T8> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4, T5, T6, T7, T8, T9>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel) => kernel.Method;
    private static MethodInfo Of<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10>(Action<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel) => kernel.Method;
}

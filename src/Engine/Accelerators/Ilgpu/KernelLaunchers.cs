using System.Reflection;
using ILGPU;
using ILGPU.Runtime;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Device;
using C = ILGPU.KernelConfig;
using K = IlgpuVae.Kernels.Device.DeviceKernelCatalog;
using S = ILGPU.Runtime.AcceleratorStream;
using V = ILGPU.ArrayView<float>;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>
/// Every kernel of <see cref="DeviceKernelCatalog"/>, compiled exactly (<see cref="ExactCompilation"/>) and
/// loaded on one ILGPU accelerator, as launchers that take the stream to queue on and the launch geometry.
/// </summary>
internal sealed class KernelLaunchers
{
    private readonly ILGPU.Runtime.Accelerator _accelerator;
    private readonly bool _genericAddressSpace;

    /// <summary>Compiles and loads every kernel (this is the start-up cost of a device accelerator).</summary>
    public KernelLaunchers(ILGPU.Runtime.Accelerator accelerator, bool genericAddressSpace)
    {
        _accelerator = accelerator;
        _genericAddressSpace = genericAddressSpace;
        LinearForward = [Load<Action<S, C, V, V, V, V, int, int, int, Activation>>(K.LinearForward),
            Load<Action<S, C, V, V, V, V, int, int, int, Activation>>(K.LinearForwardTile32)];
        LinearBackwardData = [Load<Action<S, C, V, V, V, V, int, int, int, Activation>>(K.LinearBackwardData),
            Load<Action<S, C, V, V, V, V, int, int, int, Activation>>(K.LinearBackwardDataTile32)];
        LinearBackwardWeights = [Load<Action<S, C, V, V, V, int, int, int, BatchParts>>(K.LinearBackwardWeights),
            Load<Action<S, C, V, V, V, int, int, int, BatchParts>>(K.LinearBackwardWeightsTile32)];
        LinearBackwardBias = Load<Action<S, C, V, V, int, BatchParts>>(K.LinearBackwardBias);
        SampleLatent = Load<Action<S, C, V, V, V, int, int, int, int, RandomKey>>(K.SampleLatent);
        GaussianKl = Load<Action<S, C, V, V, V, V, int, int, int, KlEstimator>>(K.GaussianKl);
        LatentBackward = Load<Action<S, C, V, V, V, V, V, int, int, int, float, KlEstimator>>(K.LatentBackward);
        BernoulliLogLikelihood = Load<Action<S, C, V, V, V, V, int, int, int, float>>(K.BernoulliLogLikelihood);
        GaussianLogLikelihood = Load<Action<S, C, V, V, V, V, int, int, int, float, float>>(K.GaussianLogLikelihood);
        ElboRows = Load<Action<S, C, V, V, V, int, int>>(K.ElboRows);
        SumRows = Load<Action<S, C, V, V, BatchParts>>(K.SumRows);
        OptimizerUpdate = Load<Action<S, C, V, V, V, V, int, OptimizerScalars>>(K.OptimizerUpdate);
        GatherBatch = Load<Action<S, C, ArrayView<byte>, ArrayView<int>, V, int, int, int, int, Binarization, RandomKey>>(K.GatherBatch);
        ImportanceLogWeights = Load<Action<S, C, V, V, V, V, V, int, int, int>>(K.ImportanceLogWeights);
        LogMeanExp = Load<Action<S, C, V, V, int, int>>(K.LogMeanExp);
    }

    /// <summary>[0]: 64 × 64 tiles, [1]: 32 × 32 tiles.</summary>
    public Action<S, C, V, V, V, V, int, int, int, Activation>[] LinearForward { get; }

    /// <summary>[0]: 64 × 64 tiles, [1]: 32 × 32 tiles.</summary>
    public Action<S, C, V, V, V, V, int, int, int, Activation>[] LinearBackwardData { get; }

    /// <summary>[0]: 64 × 64 tiles, [1]: 32 × 32 tiles.</summary>
    public Action<S, C, V, V, V, int, int, int, BatchParts>[] LinearBackwardWeights { get; }

    public Action<S, C, V, V, int, BatchParts> LinearBackwardBias { get; }
    public Action<S, C, V, V, V, int, int, int, int, RandomKey> SampleLatent { get; }
    public Action<S, C, V, V, V, V, int, int, int, KlEstimator> GaussianKl { get; }
    public Action<S, C, V, V, V, V, V, int, int, int, float, KlEstimator> LatentBackward { get; }
    public Action<S, C, V, V, V, V, int, int, int, float> BernoulliLogLikelihood { get; }
    public Action<S, C, V, V, V, V, int, int, int, float, float> GaussianLogLikelihood { get; }
    public Action<S, C, V, V, V, int, int> ElboRows { get; }
    public Action<S, C, V, V, BatchParts> SumRows { get; }
    public Action<S, C, V, V, V, V, int, OptimizerScalars> OptimizerUpdate { get; }
    public Action<S, C, ArrayView<byte>, ArrayView<int>, V, int, int, int, int, Binarization, RandomKey> GatherBatch { get; }
    public Action<S, C, V, V, V, V, V, int, int, int> ImportanceLogWeights { get; }
    public Action<S, C, V, V, int, int> LogMeanExp { get; }

    private TDelegate Load<TDelegate>(MethodInfo kernel) where TDelegate : Delegate =>
        ExactCompilation.Load(_accelerator, kernel, _genericAddressSpace).CreateLauncherDelegate<TDelegate>();
}

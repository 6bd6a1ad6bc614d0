using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// Optimizer state on the accelerator (one or two slots per parameter) and the step-dependent
/// scalars, which are computed on the host in float so every accelerator gets the same bits.
/// </summary>
internal sealed class Optimizer : IDisposable
{
    private readonly TrainingConfig _config;

    public Optimizer(Accelerator accelerator, TrainingConfig config, long parameterCount)
    {
        _config = config;
        State0 = accelerator.Allocate<float>(parameterCount);
        State1 = config.Optimizer.StateSlots() > 1 ? accelerator.Allocate<float>(parameterCount) : null;
        Beta1Power = 1f;
        Beta2Power = 1f;
    }

    public DeviceBuffer<float> State0 { get; }
    public DeviceBuffer<float>? State1 { get; }
    /// <summary>β₁ᵗ after the last update (a running float product).</summary>
    public float Beta1Power { get; set; }
    /// <summary>β₂ᵗ after the last update.</summary>
    public float Beta2Power { get; set; }

    /// <summary>
    /// Advances the step-dependent host state (β₁ᵗ, β₂ᵗ) to the next update and returns that update's
    /// scalars. Kept apart from <see cref="Apply"/> so the kernel launch can sit inside a kernel sequence,
    /// which must not change host state (<see cref="Accelerator.RunKernelSequence"/>).
    /// </summary>
    public OptimizerScalars NextStep()
    {
        Beta1Power *= _config.Beta1;
        Beta2Power *= _config.Beta2;
        return OptimizerScalars.ForStep(_config.Optimizer, _config.EffectiveLearningRate, _config.WeightDecay,
            _config.Epsilon, _config.KernelBeta1, _config.Beta2, Beta1Power, Beta2Power);
    }

    /// <summary>Queues the update of <paramref name="parameters"/> from <paramref name="gradients"/> with the scalars of <see cref="NextStep"/>.</summary>
    public void Apply(IKernels kernels, DeviceBuffer<float> parameters, DeviceBuffer<float> gradients, in OptimizerScalars scalars) =>
        kernels.OptimizerUpdate(parameters, gradients, State0, State1 ?? State0, (int)parameters.Length, scalars);

    public void Dispose()
    {
        State0.Dispose();
        State1?.Dispose();
    }
}

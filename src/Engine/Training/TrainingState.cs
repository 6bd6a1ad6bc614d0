using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// Everything needed to continue training exactly where it stopped: both configurations, the step and
/// epoch counters (which are also the random-number positions), parameters and optimizer state.
/// This is what a checkpoint holds.
/// </summary>
public sealed class TrainingState
{
    /// <summary>The model architecture.</summary>
    public required ModelConfig Model { get; init; }
    /// <summary>The training settings.</summary>
    public required TrainingConfig Training { get; init; }
    /// <summary>Optimizer steps done.</summary>
    public required long Step { get; init; }
    /// <summary>Epochs completed.</summary>
    public required int Epoch { get; init; }
    /// <summary>The flat parameter vector (layout: <see cref="ParameterLayout"/>).</summary>
    public required float[] Parameters { get; init; }
    /// <summary>Optimizer state slot 0 (same layout as the parameters).</summary>
    public required float[] OptimizerState0 { get; init; }
    /// <summary>Optimizer state slot 1 (Adam's v), or null.</summary>
    public float[]? OptimizerState1 { get; init; }
    /// <summary>β₁ᵗ after the last step.</summary>
    public float Beta1Power { get; init; } = 1f;
    /// <summary>β₂ᵗ after the last step.</summary>
    public float Beta2Power { get; init; } = 1f;
}

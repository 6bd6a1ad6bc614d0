using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// Everything needed to continue training exactly where it stopped: both configurations, the step and
/// epoch counters, parameters and optimizer state. The counters are also the random-number state:
/// every draw is keyed by (seed, stream, step) and each epoch's shuffle by (seed, epoch), so no
/// generator state exists beyond them. A state may lie inside an epoch (<see cref="StepInEpoch"/>);
/// then it also carries that epoch's minibatch ELBOs so far, and the epoch's metrics come out the same
/// as without the stop. This is what a checkpoint holds, together with the identity of the data it was
/// trained on and the settings of the program that trained it.
/// </summary>
public sealed record TrainingState
{
    /// <summary>The model architecture.</summary>
    public required ModelConfig Model { get; init; }
    /// <summary>The training settings.</summary>
    public required TrainingConfig Training { get; init; }
    /// <summary>Optimizer steps done.</summary>
    public required long Step { get; init; }
    /// <summary>Epochs completed.</summary>
    public required int Epoch { get; init; }
    /// <summary>
    /// Steps done in the epoch after <see cref="Epoch"/> (0 at an epoch boundary, up to the steps per
    /// epoch when the steps are done but the epoch is not yet closed): Step = Epoch × steps per epoch + this.
    /// </summary>
    public int StepInEpoch { get; init; }
    /// <summary>The minibatch ELBO sums of those <see cref="StepInEpoch"/> steps, in step order.</summary>
    public float[] EpochStepElbos { get; init; } = [];
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
    /// <summary>
    /// The data the state was trained on (null for checkpoints written before it was recorded).
    /// <see cref="Trainer"/> refuses to continue a state on data of other content.
    /// </summary>
    public DataIdentity? Data { get; init; }
    /// <summary>
    /// Settings of the program that trained the state which are neither model nor training configuration
    /// (the command line keeps how many checkpoints to keep, how often to save, which data and accelerator),
    /// by name: saved and loaded unchanged, never read by the engine, so a resumed run keeps them.
    /// </summary>
    public IReadOnlyDictionary<string, string> RunOptions { get; init; } = new Dictionary<string, string>();
}

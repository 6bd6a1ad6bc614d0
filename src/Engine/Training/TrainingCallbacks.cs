namespace IlgpuVae.Engine.Training;

/// <summary>
/// What <see cref="Trainer.Train"/> reports while it runs. Callbacks run on the training thread between
/// steps, so a slow callback slows training; to stop early, cancel the token passed to
/// <see cref="Trainer.Train"/> (from a callback or from anywhere else).
/// </summary>
public sealed record TrainingCallbacks
{
    /// <summary>
    /// Called after training steps with the epoch's progress so far: after every step when
    /// <see cref="StepInterval"/> is zero, otherwise at most once per interval, and always after an epoch's last step.
    /// Each call reads the running ELBO from the accelerator, which waits for the queued work.
    /// </summary>
    public Action<StepProgress>? OnStep { get; init; }

    /// <summary>The least time between two <see cref="OnStep"/> calls inside an epoch (zero: every step).</summary>
    public TimeSpan StepInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Called after each epoch (and its test-set evaluation) with the epoch's figures.</summary>
    public Action<EpochMetrics>? OnEpoch { get; init; }

    /// <summary>Whether each epoch ends with the test-set ELBO (<see cref="EpochMetrics.TestElbo"/>); true by default.</summary>
    public bool EvaluateTest { get; init; } = true;
}

using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Training;

// The embedding-facing part of the trainer: run to the configured number of epochs with callbacks,
// and hand the result on as a model or a checkpoint. Kept apart from the training step itself.
public sealed partial class Trainer
{
    /// <summary>Number of parameters (weights and biases) of the model being trained.</summary>
    public long ParameterCount => Layout.Count;

    /// <summary>
    /// Trains from the current epoch up to <see cref="TrainingConfig.Epochs"/> and returns the figures of the
    /// epochs it ran (none when that many epochs are already done). Cancellation is observed between steps and
    /// raises <see cref="OperationCanceledException"/>; the trainer then stands inside an epoch, so save checkpoints
    /// from <see cref="TrainingCallbacks.OnEpoch"/> (epoch boundaries) when a run must continue exactly later.
    /// </summary>
    /// <exception cref="TrainingDivergedException">The ELBO became NaN or infinite.</exception>
    public IReadOnlyList<EpochMetrics> Train(TrainingCallbacks? callbacks = null, CancellationToken cancellation = default)
    {
        callbacks ??= new TrainingCallbacks();
        if (callbacks.StepInterval < TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(callbacks), callbacks.StepInterval, "the step interval must not be negative");
        var done = new List<EpochMetrics>();
        while (Epoch < Training.Epochs)
        {
            cancellation.ThrowIfCancellationRequested();
            var metrics = TrainEpoch(callbacks.OnStep, callbacks.StepInterval, callbacks.EvaluateTest, cancellation);
            done.Add(metrics);
            callbacks.OnEpoch?.Invoke(metrics);
        }
        return done;
    }

    /// <summary>A <see cref="VaeModel"/> holding a copy of the current parameters, on the trainer's accelerator.</summary>
    public VaeModel ToModel() => new(Accelerator, Model, DownloadParameters());

    /// <summary>
    /// Saves everything needed to continue (<see cref="CaptureState"/>) to <paramref name="path"/>, atomically.
    /// Continue with <c>new Trainer(accelerator, state.Model, state.Training with { Epochs = n }, data, state)</c>
    /// on the state <see cref="CheckpointFile.Load(string)"/> returns.
    /// </summary>
    public void SaveCheckpoint(string path) => CheckpointFile.Save(path, CaptureState());
}

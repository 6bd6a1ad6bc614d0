namespace IlgpuVae.Engine.Training;

/// <summary>What one epoch measured; one line of metrics.jsonl.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Step">Global step count after the epoch.</param>
/// <param name="Samples">Training datapoints processed so far (all epochs).</param>
/// <param name="TrainElbo">Mean of the epoch's minibatch ELBO estimates, nats per datapoint.</param>
/// <param name="TestElbo">ELBO per datapoint on the test set after the epoch (null when not evaluated).</param>
/// <param name="Seconds">Wall time of the epoch's training steps.</param>
/// <param name="EvalSeconds">Wall time of the evaluation.</param>
/// <param name="Accelerator">Name of the accelerator that ran it.</param>
public sealed record EpochMetrics(int Epoch, long Step, long Samples, double TrainElbo, double? TestElbo,
    double Seconds, double EvalSeconds, string Accelerator);

/// <summary>Progress inside an epoch, reported every few steps.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="StepInEpoch">Steps done in this epoch.</param>
/// <param name="StepsPerEpoch">Steps in a full epoch.</param>
/// <param name="RunningElbo">Mean minibatch ELBO of the epoch so far.</param>
/// <param name="SamplesPerSecond">Training datapoints per second in this epoch.</param>
public readonly record struct StepProgress(int Epoch, int StepInEpoch, int StepsPerEpoch, double RunningElbo, double SamplesPerSecond);

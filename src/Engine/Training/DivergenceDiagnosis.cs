using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// Finds exactly where a diverged run first went non-finite. Training checks for NaN only when it reads
/// the loss anyway (a per-step check would cost a host round trip per step on a GPU), so by the time it
/// notices, every tensor may be NaN. Because training is deterministic, the steps since the last good
/// checkpoint can be replayed bit for bit with a full check after each one; the first non-finite value
/// found names the step and the tensor that failed first. This costs at most the steps between two
/// checkpoints, once, after the run has failed.
/// </summary>
internal static class DivergenceDiagnosis
{
    /// <summary>
    /// Replays from <paramref name="from"/> (null: the initial parameters) up to step
    /// <paramref name="untilStep"/> and returns the description of the first non-finite value, e.g.
    /// "step 1234: non-finite gradient in decoder.output.weight[3, 17] = NaN", or null if the replay
    /// stayed finite.
    /// </summary>
    public static string? Locate(Accelerator accelerator, ModelConfig model, TrainingConfig training, Dataset data,
        TrainingState? from, long untilStep)
    {
        using var trainer = new Trainer(accelerator, model, training, data, from);
        while (trainer.Step < untilStep)
        {
            if (trainer.StepInEpoch == trainer.StepsPerEpoch)
            {
                // The epoch's close would itself throw on a non-finite mean; every step of it was checked.
                trainer.FinishEpoch(evaluateTest: false);
                continue;
            }
            trainer.TrainSteps(1);
            if (trainer.FindNonFiniteInLastStep() is { } found) return found;
        }
        return null;
    }
}

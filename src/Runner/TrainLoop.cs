using System.Globalization;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner;

/// <summary>
/// What `ilgpuvae train` does once everything is set up: runs epochs, appends each epoch's metrics,
/// and saves checkpoints at each epoch end and every <see cref="CheckpointEvery"/> steps; stops cleanly
/// on a signal (checkpoint, exit code 130); and on divergence either stops (exit code 3, the last good
/// checkpoint untouched) or rolls back to the last good checkpoint with half the learning rate (to an older
/// one each time the run diverges again before it has written a new checkpoint).
/// </summary>
internal sealed class TrainLoop
{
    /// <summary>How often a diverged run is rolled back before it gives up.</summary>
    public const int MaxRollbacks = 5;

    private readonly CliConsole _console;
    private readonly RunFolder _folder;
    private readonly ProgressDisplay _display;
    private long _lastSaved = -1;
    // Divergences since the last checkpoint was written: a run that diverges again from the checkpoint it
    // was rolled back to goes one checkpoint further back (that one may be finite yet already exploding).
    private int _failuresSinceSave;

    public TrainLoop(CliConsole console, RunFolder folder)
    {
        _console = console;
        _folder = folder;
        _display = new ProgressDisplay(console);
    }

    /// <summary>Also save a checkpoint whenever the global step is a multiple of this (null: at epoch ends only).</summary>
    public int? CheckpointEvery { get; init; }

    /// <summary>On divergence, roll back and halve the learning rate instead of stopping.</summary>
    public bool RollBack { get; init; }

    /// <summary>Called with the training settings in effect (at the start and after a rollback), to record them.</summary>
    public Action<TrainingConfig, Trainer>? OnConfiguration { get; init; }

    /// <summary>Trains from <paramref name="state"/> (null: a new model) up to the configured epochs; returns the exit code.</summary>
    public int Run(Accelerator accelerator, ModelConfig model, TrainingConfig training, Dataset data, TrainingState? state,
        CancellationToken stop)
    {
        Trainer? trainer = new Trainer(accelerator, model, training, data, state);
        _lastSaved = state?.Step ?? -1;
        int rollbacks = 0;
        try
        {
            OnConfiguration?.Invoke(training, trainer);
            while (true)
            {
                try
                {
                    return RunEpochs(trainer, training, stop);
                }
                catch (TrainingDivergedException e)
                {
                    // The failed trainer goes first: the replay and a rolled-back trainer need its memory.
                    float lr = trainer.Training.EffectiveLearningRate;
                    trainer.Dispose();
                    trainer = null;
                    _failuresSinceSave++;
                    var (good, from) = LastGood(RollBack ? _failuresSinceSave - 1 : 0);
                    string where = Locate(e, accelerator, model, training, data, good, from);
                    if (!RollBack || rollbacks == MaxRollbacks || stop.IsCancellationRequested)
                    {
                        string advice = RollBack ? $"gave up after {MaxRollbacks} rollbacks" : "try a smaller --lr or --on-divergence rollback";
                        throw new TrainingDivergedException($"{where}; training stopped, {(good is null ? "no checkpoint was written" : $"{from} is kept")}; {advice}", e.Step);
                    }
                    rollbacks++;
                    _console.Log(where);
                    training = training with { LearningRate = lr / 2 };
                    trainer = new Trainer(accelerator, model, training, data, good);
                    _lastSaved = good?.Step ?? -1;
                    _folder.TrimMetrics(trainer.Epoch);
                    _console.Log(string.Create(CultureInfo.InvariantCulture,
                        $"rolled back to {from} with the learning rate halved to {lr / 2} (rollback {rollbacks} of {MaxRollbacks})"));
                    OnConfiguration?.Invoke(training, trainer);
                }
            }
        }
        finally
        {
            trainer?.Dispose();
            if (accelerator.KernelSequenceSummary is string summary) _console.Log(summary);
        }
    }

    /// <summary>
    /// The newest valid checkpoint of this run after skipping <paramref name="older"/> valid ones (the
    /// oldest one when there are fewer), or null when the run has none (then training restarts from its
    /// initial parameters).
    /// </summary>
    private (TrainingState? State, string Name) LastGood(int older)
    {
        if (_lastSaved < 0) return (null, "the initial parameters");
        if (older == 0)
        {
            var (state, file) = _folder.LoadNewestCheckpoint(_console.Log);
            return (state, $"{Path.GetFileName(file)} (step {state.Step})");
        }
        (TrainingState State, string File)? found = null;
        foreach (string file in CheckpointRotation.Files(_folder.CheckpointPath))
        {
            try
            {
                found = (CheckpointFile.Load(file), file);
                if (older-- == 0) break;
            }
            catch (CheckpointFormatException e)
            {
                _console.Log($"skipping an unusable checkpoint: {e.Message}");
            }
        }
        if (found is not { } f) return LastGood(0);
        return (f.State, $"{Path.GetFileName(f.File)} (step {f.State.Step})");
    }

    /// <summary>
    /// Replays the steps since the last good state, checking every value after each, to name the step
    /// and tensor that went non-finite first (the error found while training may have come many steps later).
    /// </summary>
    private string Locate(TrainingDivergedException e, Accelerator accelerator, ModelConfig model, TrainingConfig training,
        Dataset data, TrainingState? good, string from)
    {
        _console.Log($"{e.Message}");
        _console.Log($"locating the first non-finite value: replaying steps {(good?.Step ?? 0) + 1}–{e.Step} from {from}");
        try
        {
            return DivergenceDiagnosis.Locate(accelerator, model, training, data, good, e.Step) ?? e.Message;
        }
        catch (TrainingDivergedException)
        {
            return e.Message;
        }
    }

    private int RunEpochs(Trainer trainer, TrainingConfig training, CancellationToken stop)
    {
        if (trainer.Epoch >= training.Epochs)
        {
            _console.Log($"the run is at epoch {trainer.Epoch} of {training.Epochs} already; give a larger --epochs to train further");
            return ExitCodes.Success;
        }
        for (int epoch = trainer.Epoch + 1; epoch <= training.Epochs; epoch = trainer.Epoch + 1)
        {
            long firstStep = trainer.Step;
            var metrics = _display.RunEpoch(epoch, training.Epochs, trainer.StepsPerEpoch, report => RunEpoch(trainer, report, stop));
            if (metrics is null) return Interrupted(trainer);
            // Metrics first, then the checkpoint: a crash between the two leaves a line that a resume
            // from the older checkpoint drops (RunFolder.TrimMetrics) and writes again, bit for bit.
            _folder.AppendMetrics(metrics);
            Save(trainer);
            _console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {metrics.Epoch}/{training.Epochs}  train ELBO {metrics.TrainElbo:F3}  test ELBO {metrics.TestElbo:F3}  " +
                $"{metrics.Seconds:F2} s ({(metrics.Step - firstStep) * (double)training.BatchSize / metrics.Seconds:F0} samples/s)"));
            if (stop.IsCancellationRequested && trainer.Epoch < training.Epochs) return Interrupted(trainer);
        }
        _console.Log($"saved {_folder.CheckpointPath} (epoch {trainer.Epoch}, step {trainer.Step})");
        return ExitCodes.Success;
    }

    /// <summary>The steps of one epoch, with the step-interval checkpoints; null when stopped by a signal.</summary>
    private EpochMetrics? RunEpoch(Trainer trainer, Action<StepProgress> report, CancellationToken stop)
    {
        int? every = CheckpointEvery;
        while (trainer.StepInEpoch < trainer.StepsPerEpoch)
        {
            int chunk = every is int n ? (int)(n - trainer.Step % n) : int.MaxValue;
            trainer.TrainSteps(chunk, report, ProgressReports, stop);
            if (stop.IsCancellationRequested) return null;
            if (every is int k && trainer.Step % k == 0 && trainer.StepInEpoch < trainer.StepsPerEpoch) Save(trainer);
        }
        return trainer.FinishEpoch();
    }

    /// <summary>How often the trainer reports steps: twice a second for the bar, more often when log lines are asked for more often.</summary>
    private TimeSpan ProgressReports => _console.ProgressInterval < TimeSpan.FromSeconds(0.5) ? _console.ProgressInterval : TimeSpan.FromSeconds(0.5);

    private int Interrupted(Trainer trainer)
    {
        Save(trainer);
        _console.Log($"stopped at epoch {trainer.Epoch}, step {trainer.Step}; checkpoint {_folder.CheckpointPath}; continue with: ilgpuvae train --resume {_folder.Path}");
        return ExitCodes.Interrupted;
    }

    private void Save(Trainer trainer)
    {
        if (trainer.Step == _lastSaved) return;
        // The save scans every value first and refuses a non-finite state, so a diverged model never
        // replaces a good checkpoint (the divergence error then names the step and the tensor).
        _folder.SaveCheckpoint(trainer.CaptureState());
        _lastSaved = trainer.Step;
        _failuresSinceSave = 0;
    }
}

using System.Globalization;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Distributed;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Runner.Parallel;

namespace IlgpuVae.Runner;

/// <summary>
/// What `ilgpuvae train` does once everything is set up: runs epochs, appends each epoch's metrics,
/// and saves checkpoints at each epoch end and every <see cref="CheckpointEvery"/> steps; stops cleanly
/// on a signal (checkpoint, exit code 130); and on divergence either stops (exit code 3, the last good
/// checkpoint untouched) or rolls back to the last good checkpoint with half the learning rate (to an older
/// one each time the run diverges again before it has written a new checkpoint). Every checkpoint carries
/// the run's own settings (<see cref="RunOptions"/>); a full disk is reported with what is kept and how to
/// go on (exit code 6).
/// <para>
/// In a data-parallel job (<see cref="Ranks"/>) every rank runs this loop in step: the same steps, the same
/// checkpoint points (where the ranks check that they hold the same bits), the same stop. Rank 0 alone has the
/// run folder: it writes config.json, the metrics and the checkpoints, and decides what a divergence leads to,
/// which it hands to the other ranks with the state to roll back to.
/// </para>
/// </summary>
internal sealed class TrainLoop
{
    /// <summary>How often a diverged run is rolled back before it gives up.</summary>
    public const int MaxRollbacks = 5;

    private readonly CliConsole _console;
    // Null on the ranks other than 0 of a data-parallel job, which write nothing.
    private readonly RunFolder? _folder;
    private readonly StopSignals _signals;
    private readonly ProgressDisplay _display;
    private long _lastSaved = -1;
    // Divergences since the last checkpoint was written: a run that diverges again from the checkpoint it
    // was rolled back to goes one checkpoint further back (that one may be finite yet already exploding).
    private int _failuresSinceSave;

    public TrainLoop(CliConsole console, RunFolder? folder, StopSignals signals)
    {
        _console = console;
        _folder = folder;
        _signals = signals;
        _display = new ProgressDisplay(console);
    }

    /// <summary>Also save a checkpoint whenever the global step is a multiple of this (null: at epoch ends only).</summary>
    public int? CheckpointEvery { get; init; }

    /// <summary>On divergence, roll back and halve the learning rate instead of stopping.</summary>
    public bool RollBack { get; init; }

    /// <summary>Called with the training settings in effect (at the start and after a rollback), to record them.</summary>
    public Action<TrainingConfig, Trainer>? OnConfiguration { get; init; }

    /// <summary>The run's settings that are neither model nor training configuration, saved in every checkpoint.</summary>
    public IReadOnlyDictionary<string, string> RunOptions { get; init; } = new Dictionary<string, string>();

    /// <summary>The ranks of the data-parallel job this loop is one rank of (null: training on its own).</summary>
    public ICommunicator? Ranks { get; init; }

    /// <summary>Whether this rank writes the run folder and reports: rank 0, or a process on its own.</summary>
    private bool Leader => _folder is not null;

    /// <summary>The folder, on the rank that has it.</summary>
    private RunFolder Folder => _folder ?? throw new InvalidOperationException("only rank 0 writes the run folder");

    /// <summary>Trains from <paramref name="state"/> (null: a new model) up to the configured epochs; returns the exit code.</summary>
    public int Run(Accelerator accelerator, ModelConfig model, TrainingConfig training, Dataset data, TrainingState? state)
    {
        if (_folder is null && Ranks is not { Rank: > 0 }) throw new ArgumentException("only the ranks other than 0 of a job train without a run folder");
        Trainer? trainer = new Trainer(accelerator, model, training, data, state, Ranks);
        if (Ranks is { } ranks && Leader)
            _console.Log(string.Create(CultureInfo.InvariantCulture,
                $"data-parallel: {ranks.Size} ranks share the {training.EffectiveBatchParts} parts of each minibatch; " +
                $"rank 0 sends {trainer.FloatsSentPerStep * 4 / 1e6:F1} MB per step"));
        _lastSaved = state?.Step ?? -1;
        int rollbacks = 0;
        var stop = _signals.Token;
        try
        {
            Storage("writing config.json", () => OnConfiguration?.Invoke(training, trainer));
            // From here on a signal stops cleanly: after the step in progress, with a checkpoint.
            _signals.Graceful = true;
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
                    bool stopRequested = Stopping(trainer);
                    trainer.Dispose();
                    trainer = null;
                    _failuresSinceSave++;
                    var (good, from, where, giveUp) = Leader
                        ? Diagnose(e, accelerator, model, training, data, rollbacks, stopRequested)
                        : (null, "", "", false);
                    if (Ranks is not null) (good, giveUp, where) = ShareDecision(good, giveUp, where);
                    if (giveUp)
                        throw SameOnEveryRank.Mark(new TrainingDivergedException(where, e.Step));
                    rollbacks++;
                    training = training with { LearningRate = lr / 2 };
                    trainer = new Trainer(accelerator, model, training, data, good, Ranks);
                    _lastSaved = good?.Step ?? -1;
                    if (!Leader) continue;
                    _console.Log(where);
                    Folder.TrimMetrics(trainer.Epoch, _console.Log);
                    _console.Log(string.Create(CultureInfo.InvariantCulture,
                        $"rolled back to {from} with the learning rate halved to {lr / 2} (rollback {rollbacks} of {MaxRollbacks})"));
                    Storage("writing config.json", () => OnConfiguration?.Invoke(training, trainer));
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
    /// What a divergence leads to (rank 0, or on its own): the state to roll back to, the message naming where the
    /// run first went non-finite, and whether to give up (no rollback asked, too many, or a stop requested).
    /// </summary>
    private (TrainingState? Good, string From, string Message, bool GiveUp) Diagnose(TrainingDivergedException e, Accelerator accelerator,
        ModelConfig model, TrainingConfig training, Dataset data, int rollbacks, bool stopRequested)
    {
        var (good, from) = LastGood(RollBack ? _failuresSinceSave - 1 : 0);
        string where = Locate(e, accelerator, model, training, data, good, from);
        if (RollBack && rollbacks < MaxRollbacks && !stopRequested) return (good, from, where, false);
        string advice = RollBack ? $"gave up after {MaxRollbacks} rollbacks" : "try a smaller --lr or --on-divergence rollback";
        return (good, from, $"{where}; training stopped, {(good is null ? "no checkpoint was written" : $"{from} is kept")}; {advice}", true);
    }

    /// <summary>
    /// Rank 0's decision after a divergence, handed to every rank: give up (with the message), or roll back to the
    /// state it read from the run folder (null: the initial parameters).
    /// </summary>
    private (TrainingState? Good, bool GiveUp, string Message) ShareDecision(TrainingState? good, bool giveUp, string message)
    {
        var ranks = Ranks!;
        byte[]? payload = null;
        if (ranks.Rank == 0)
        {
            byte[] text = System.Text.Encoding.UTF8.GetBytes(message);
            byte[] state = good is null || giveUp ? [] : CheckpointFile.ToBytes(good);
            payload = new byte[5 + text.Length + state.Length];
            payload[0] = giveUp ? (byte)1 : (byte)0;
            BitConverter.TryWriteBytes(payload.AsSpan(1), text.Length);
            text.CopyTo(payload, 5);
            state.CopyTo(payload, 5 + text.Length);
        }
        payload = RankMessage.FromLeader(ranks, payload);
        if (ranks.Rank == 0) return (good, giveUp, message);
        int length = BitConverter.ToInt32(payload, 1);
        var rest = payload.AsSpan(5 + length);
        var received = rest.IsEmpty ? null : CheckpointFile.Load(new MemoryStream(rest.ToArray(), writable: false), "the state from rank 0");
        return (received, payload[0] == 1, System.Text.Encoding.UTF8.GetString(payload, 5, length));
    }

    /// <summary>Whether training stops after this step: a signal here, or in a job the stop every rank agreed on.</summary>
    private bool Stopping(Trainer trainer) => Ranks is null ? _signals.StopRequested : trainer.StopAgreed;

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
            var (state, file) = Folder.LoadNewestCheckpoint(_console.Log);
            return (state, $"{Path.GetFileName(file)} (step {state.Step})");
        }
        (TrainingState State, string File)? found = null;
        foreach (string file in CheckpointRotation.Files(Folder.CheckpointPath))
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
            if (Leader) Storage($"writing the metrics of epoch {metrics.Epoch}", () => Folder.AppendMetrics(metrics));
            Save(trainer);
            if (Leader)
                _console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {metrics.Epoch}/{training.Epochs}  train ELBO {metrics.TrainElbo:F3}  test ELBO {metrics.TestElbo:F3}  " +
                    $"{metrics.Seconds:F2} s ({(metrics.Step - firstStep) * (double)training.BatchSize / metrics.Seconds:F0} samples/s)"));
            if (Stopping(trainer) && trainer.Epoch < training.Epochs) return Interrupted(trainer);
        }
        if (Leader) _console.Log($"saved {Folder.CheckpointPath} (epoch {trainer.Epoch}, step {trainer.Step})");
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
            if (Stopping(trainer)) return null;
            if (every is int k && trainer.Step % k == 0 && trainer.StepInEpoch < trainer.StepsPerEpoch) Save(trainer);
        }
        return trainer.FinishEpoch();
    }

    /// <summary>How often the trainer reports steps: twice a second for the bar, more often when log lines are asked for more often.</summary>
    private TimeSpan ProgressReports => _console.ProgressInterval < TimeSpan.FromSeconds(0.5) ? _console.ProgressInterval : TimeSpan.FromSeconds(0.5);

    private int Interrupted(Trainer trainer)
    {
        Save(trainer);
        if (!Leader) return ExitCodes.Interrupted;
        // The outcome, on stderr even when quiet, like an error: the run did not finish.
        string by = _signals.Received ?? (Ranks is null ? "a signal" : "a signal to another rank");
        _console.Error.WriteLine($"ilgpuvae: stopped by {by} at epoch {trainer.Epoch}, step {trainer.Step}; " +
                                 $"checkpoint {Folder.CheckpointPath}; continue with: ilgpuvae train --resume {Folder.Path}");
        return ExitCodes.Interrupted;
    }

    private void Save(Trainer trainer)
    {
        if (trainer.Step == _lastSaved) return;
        // In a job, every rank first checks that it holds rank 0's bits: what rank 0 saves is every rank's state.
        trainer.CheckRanksAgree();
        var state = trainer.CaptureState() with { RunOptions = RunOptions };
        // The save scans every value first and refuses a non-finite state, so a diverged model never replaces a
        // good checkpoint (the divergence error then names the step and the tensor). In a job every rank scans
        // its own copy of the state, so that all of them meet the divergence together.
        if (Ranks is not null && NonFiniteScan.Describe(state) is { } problem)
            throw new TrainingDivergedException($"{problem}; {RunFolder.CheckpointFileName} was not written, the previous checkpoint is kept", trainer.Step);
        if (Leader) Storage($"saving the checkpoint of step {trainer.Step}", () => Folder.SaveCheckpoint(state));
        _lastSaved = trainer.Step;
        _failuresSinceSave = 0;
    }

    /// <summary>Runs a write of the run folder; a storage fault gets what is kept and how to continue added.</summary>
    private void Storage(string doing, Action write)
    {
        try
        {
            write();
        }
        catch (IOException e) when (DiskFault.Describe(e) is string fault)
        {
            string kept = _lastSaved >= 0 ? $"{RunFolder.CheckpointFileName} (step {_lastSaved}) and everything saved before are kept" : "no checkpoint had been saved yet";
            string next = _lastSaved >= 0 ? $"continue with: ilgpuvae train --resume {Folder.Path}" : "run the command again";
            throw new IOException($"{doing} in {Folder.Path}: {fault} ({Cli.OneLine(e.Message)}); {kept}; free space, then {next}", e.HResult);
        }
    }
}

using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner;

/// <summary>
/// The output folder of a training run: config.json (the effective configuration), metrics.jsonl
/// (one JSON object per epoch), model.ckpt (the newest checkpoint) with the older ones kept as
/// model.ckpt.1, model.ckpt.2 … (<see cref="CheckpointRotation"/>), and run.lock, which a training
/// process holds for as long as it writes there, so two processes never train into one folder.
/// </summary>
internal sealed class RunFolder : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string MetricsFile = "metrics.jsonl";
    public const string CheckpointFileName = "model.ckpt";
    public const string LockFile = "run.lock";

    private readonly FileStream _lock;

    private RunFolder(string path, int keepCheckpoints)
    {
        Path = path;
        KeepCheckpoints = keepCheckpoints;
        _lock = Lock(path);
    }

    public string Path { get; }
    public string CheckpointPath => System.IO.Path.Combine(Path, CheckpointFileName);
    /// <summary>How many checkpoints a save keeps (the newest and K − 1 older ones).</summary>
    public int KeepCheckpoints { get; }

    /// <summary>A new run folder; refuses one that already holds a run, so nothing saved is overwritten.</summary>
    public static RunFolder CreateNew(string? path, int keepCheckpoints)
    {
        path ??= System.IO.Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss"));
        if (File.Exists(path)) throw new InputException($"--out {path}: is a file, not a folder");
        if (CheckpointRotation.Files(System.IO.Path.Combine(path, CheckpointFileName)).Count > 0 || File.Exists(System.IO.Path.Combine(path, MetricsFile)))
            throw new InputException($"--out {path}: already holds a training run; choose another folder or continue it with --resume {path}");
        Directory.CreateDirectory(path);
        return new RunFolder(path, keepCheckpoints);
    }

    /// <summary>An existing run folder to continue; removes what a save killed midway left behind.</summary>
    public static RunFolder OpenExisting(string path, int keepCheckpoints)
    {
        if (!Directory.Exists(path)) throw new InputException($"--resume {path}: no such run folder");
        string checkpoint = System.IO.Path.Combine(path, CheckpointFileName);
        if (CheckpointRotation.Files(checkpoint).Count == 0)
            throw new InputException($"--resume {path}: no {CheckpointFileName} there");
        var folder = new RunFolder(path, keepCheckpoints);
        CheckpointRotation.RemoveTemporaries(checkpoint);
        return folder;
    }

    /// <summary>The newest valid checkpoint of the run, saying which newer ones were skipped and why.</summary>
    public (TrainingState State, string File) LoadNewestCheckpoint(Action<string> log) => LoadNewest(CheckpointPath, log);

    /// <summary>
    /// Loads a --model argument: a checkpoint file (read as it is), or a run folder, whose newest valid
    /// checkpoint is taken.
    /// </summary>
    public static (TrainingState State, string File) LoadModel(string path, Action<string> log)
    {
        if (!Directory.Exists(path)) return (CheckpointFile.Load(path), path);
        string checkpoint = System.IO.Path.Combine(path, CheckpointFileName);
        if (CheckpointRotation.Files(checkpoint).Count == 0) throw new InputException($"--model {path}: no {CheckpointFileName} in that folder");
        return LoadNewest(checkpoint, log);
    }

    private static (TrainingState, string) LoadNewest(string checkpoint, Action<string> log)
    {
        var (state, file, skipped) = CheckpointRotation.LoadNewestValid(checkpoint);
        foreach (string reason in skipped) log($"skipping an unusable checkpoint: {reason}");
        if (skipped.Count > 0) log($"using the newest valid checkpoint, {file} (step {state.Step})");
        return (state, file);
    }

    public void WriteConfig(object config)
    {
        string target = System.IO.Path.Combine(Path, ConfigFile);
        string temp = target + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(config, EngineJson.Indented) + "\n");
        File.Move(temp, target, overwrite: true);
    }

    public void AppendMetrics(EpochMetrics metrics)
    {
        var line = new
        {
            epoch = metrics.Epoch,
            step = metrics.Step,
            samples = metrics.Samples,
            train_elbo = metrics.TrainElbo,
            test_elbo = metrics.TestElbo,
            seconds = Math.Round(metrics.Seconds, 4),
            eval_seconds = Math.Round(metrics.EvalSeconds, 4),
            accelerator = metrics.Accelerator,
        };
        File.AppendAllText(System.IO.Path.Combine(Path, MetricsFile), JsonSerializer.Serialize(line, EngineJson.Compact) + "\n");
    }

    /// <summary>
    /// Keeps only the metrics lines of epochs up to <paramref name="epochs"/> (the checkpoint being
    /// resumed), dropping lines of epochs that will be run again and a line cut short by a crash, so
    /// every epoch appears once however often the run was stopped.
    /// </summary>
    public void TrimMetrics(int epochs)
    {
        string target = System.IO.Path.Combine(Path, MetricsFile);
        if (!File.Exists(target)) return;
        var lines = File.ReadAllLines(target);
        var kept = lines.Where(line => EpochOf(line) is int e && e <= epochs).ToArray();
        if (kept.Length == lines.Length) return;
        string temp = target + ".tmp";
        File.WriteAllLines(temp, kept);
        File.Move(temp, target, overwrite: true);
    }

    private static int? EpochOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("epoch", out var e) && e.TryGetInt32(out int epoch) ? epoch : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Saves a checkpoint, keeping the last <see cref="KeepCheckpoints"/>.</summary>
    public void SaveCheckpoint(TrainingState state) => CheckpointRotation.Save(CheckpointPath, state, KeepCheckpoints);

    private static FileStream Lock(string path)
    {
        string file = System.IO.Path.Combine(path, LockFile);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock on Unix); the kernel drops it when
            // the process dies, so a killed run never leaves its folder locked.
            return new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            throw new InputException($"{path}: another ilgpuvae process is training in this folder ({LockFile} is held); wait for it or stop it first");
        }
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => _lock.Dispose();
}

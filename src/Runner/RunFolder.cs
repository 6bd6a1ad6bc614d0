using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner;

/// <summary>
/// The output folder of a training run: config.json (the effective configuration), metrics.jsonl
/// (one JSON object per epoch) and model.ckpt (the latest checkpoint, replaced atomically).
/// </summary>
internal sealed class RunFolder
{
    public const string ConfigFile = "config.json";
    public const string MetricsFile = "metrics.jsonl";
    public const string CheckpointFileName = "model.ckpt";

    private RunFolder(string path) => Path = path;

    public string Path { get; }
    public string CheckpointPath => System.IO.Path.Combine(Path, CheckpointFileName);

    /// <summary>A new run folder; refuses one that already holds a run, so nothing saved is overwritten.</summary>
    public static RunFolder CreateNew(string? path)
    {
        path ??= System.IO.Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss"));
        if (File.Exists(path)) throw new InputException($"--out {path}: is a file, not a folder");
        if (File.Exists(System.IO.Path.Combine(path, CheckpointFileName)) || File.Exists(System.IO.Path.Combine(path, MetricsFile)))
            throw new InputException($"--out {path}: already holds a training run; choose another folder or continue it with --resume {path}");
        Directory.CreateDirectory(path);
        return new RunFolder(path);
    }

    /// <summary>An existing run folder to continue.</summary>
    public static RunFolder OpenExisting(string path)
    {
        if (!File.Exists(System.IO.Path.Combine(path, CheckpointFileName)))
            throw new InputException($"--resume {path}: no {CheckpointFileName} there");
        return new RunFolder(path);
    }

    /// <summary>Resolves a --model argument: a checkpoint file, or a run folder holding one.</summary>
    public static string ResolveCheckpoint(string path)
    {
        if (Directory.Exists(path)) path = System.IO.Path.Combine(path, CheckpointFileName);
        if (!File.Exists(path)) throw new InputException($"--model {path}: no such checkpoint file");
        return path;
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

    public void SaveCheckpoint(TrainingState state) => CheckpointFile.Save(CheckpointPath, state);
}

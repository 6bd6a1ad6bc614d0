using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner;

/// <summary>
/// The output folder of a training run: config.json (the effective configuration), metrics.jsonl
/// (one JSON object per epoch, <see cref="MetricsFile"/>), model.ckpt (the newest checkpoint) with the older
/// ones kept as model.ckpt.1, model.ckpt.2 … (<see cref="CheckpointRotation"/>), and run.lock, which marks the
/// folder as a run folder and which a training process holds for as long as it writes there, so two
/// processes never train into one folder. A new run takes only a new or empty folder, or one of this
/// program's runs that never saved a checkpoint; anything a user put in a folder is never overwritten
/// (<see cref="RunFolderContents"/>).
/// </summary>
internal sealed class RunFolder : IDisposable
{
    public const string ConfigFile = "config.json";
    public const string MetricsFile = "metrics.jsonl";
    public const string CheckpointFileName = "model.ckpt";
    public const string LockFile = "run.lock";
    /// <summary>The content of run.lock: what marks a folder as this program's run folder.</summary>
    public const string LockMarker = "ilgpuvae run folder; a training process holds this file while it writes here\n";
    private const int MaxConfigBytes = 1 << 20;

    private readonly FileStream _lock;
    private readonly bool _createdFolder;

    private RunFolder(string path, FileStream lockStream, bool createdFolder)
    {
        Path = path;
        _lock = lockStream;
        _createdFolder = createdFolder;
    }

    public string Path { get; }
    public string CheckpointPath => System.IO.Path.Combine(Path, CheckpointFileName);
    /// <summary>How many checkpoints a save keeps (the newest and K − 1 older ones).</summary>
    public int KeepCheckpoints { get; set; } = 3;
    /// <summary>Whether a checkpoint file is there.</summary>
    public bool HasCheckpoint => CheckpointRotation.Files(CheckpointPath).Count > 0;

    /// <summary>
    /// The folder of a new run: <paramref name="path"/> (default runs/DATE-TIME) when it does not exist, is
    /// empty, or holds a run of this program that never saved a checkpoint (whose leftovers are cleared).
    /// A folder that holds a run with checkpoints, anything else, or is in use is refused, naming what is there.
    /// </summary>
    public static RunFolder CreateNew(string? path, int keepCheckpoints, Action<string>? log = null)
    {
        path ??= System.IO.Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        var kind = PathKinds.Of(path);
        if (kind is not (PathKind.Missing or PathKind.Directory)) throw new InputException($"--out {path}: is {PathKinds.Describe(kind)}, not a folder");
        var contents = RunFolderContents.Read(path);
        RefuseForNewRun(path, contents);
        bool created = !contents.Exists;
        Writable(path, () => Directory.CreateDirectory(path));
        var folder = new RunFolder(path, Lock(path), created);
        try
        {
            // Under the lock, once more: a run may have been saved here since the first look.
            RefuseForNewRun(path, RunFolderContents.Read(path, holdingLock: true));
            if (contents.IsRunFolder && (contents.HasMetrics || File.Exists(System.IO.Path.Combine(path, ConfigFile))))
            {
                log?.Invoke($"{path} holds a run that was stopped before its first checkpoint; starting a new run there");
                foreach (string stale in new[] { MetricsFile, ConfigFile + ".tmp", MetricsFile + ".tmp" })
                    File.Delete(System.IO.Path.Combine(path, stale));
                CheckpointRotation.RemoveTemporaries(folder.CheckpointPath);
            }
            folder.Mark();
            folder.KeepCheckpoints = keepCheckpoints;
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    private static void RefuseForNewRun(string path, RunFolderContents contents)
    {
        if (contents.Locked) throw InUse(path);
        if (contents.Foreign.Count > 0)
            throw new InputException($"--out {path}: the folder holds files that are not a run's ({contents.DescribeForeign()}); " +
                                     "a new run needs a new or empty folder, so nothing there is overwritten");
        if (contents.Checkpoints.Count > 0)
            throw new InputException($"--out {path}: already holds a training run; choose another folder or continue it with --resume {path}");
    }

    /// <summary>
    /// An existing run folder to continue: locked, and cleared of what a save killed midway left behind.
    /// It may hold no checkpoint yet (a run stopped before its first one); <see cref="HasCheckpoint"/> says so.
    /// </summary>
    public static RunFolder OpenExisting(string path)
    {
        var kind = PathKinds.Of(path);
        if (kind == PathKind.Missing) throw new InputException($"--resume {path}: no such run folder");
        if (kind != PathKind.Directory) throw new InputException($"--resume {path}: is {PathKinds.Describe(kind)}, not a run folder");
        var contents = RunFolderContents.Read(path);
        if (contents.Locked) throw InUse(path);
        if (!contents.IsRunFolder)
            throw new InputException($"--resume {path}: not a run folder of this program (no {CheckpointFileName}, no {LockFile} of a run); " +
                                     $"start a run there with --out {path}");
        var folder = new RunFolder(path, Lock(path), createdFolder: false);
        try
        {
            folder.Mark();
            CheckpointRotation.RemoveTemporaries(folder.CheckpointPath);
            return folder;
        }
        catch
        {
            folder.Dispose();
            throw;
        }
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

    /// <summary>
    /// The run's config.json as a JSON object (what `train --config` reads), or null when there is none.
    /// </summary>
    /// <exception cref="InputException">It is not a regular file, is larger than 1 MiB, or is not a JSON object.</exception>
    public JsonObject? ReadConfig()
    {
        string file = System.IO.Path.Combine(Path, ConfigFile);
        if (PathKinds.Of(file) == PathKind.Missing) return null;
        using var stream = InputFile.OpenRead(file, "configuration file");
        if (stream.Length > MaxConfigBytes) throw new InputException($"{file}: {stream.Length} bytes is too large for a run's configuration");
        try
        {
            return JsonNode.Parse(stream, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new InputException($"{file}: not a JSON object of option values");
        }
        catch (JsonException e)
        {
            throw new InputException($"{file}: not valid JSON ({Cli.OneLine(e.Message)})");
        }
    }

    public void WriteConfig(object config)
    {
        string target = System.IO.Path.Combine(Path, ConfigFile);
        string temp = target + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(config, EngineJson.Indented) + "\n");
        File.Move(temp, target, overwrite: true);
    }

    public void AppendMetrics(EpochMetrics metrics) => Runner.MetricsFile.Append(System.IO.Path.Combine(Path, MetricsFile), metrics);

    /// <summary>Keeps only the metrics lines of epochs up to <paramref name="epochs"/> (see <see cref="Runner.MetricsFile.Trim"/>).</summary>
    public void TrimMetrics(int epochs, Action<string> log) => Runner.MetricsFile.Trim(System.IO.Path.Combine(Path, MetricsFile), epochs, log);

    /// <summary>Saves a checkpoint, keeping the last <see cref="KeepCheckpoints"/>.</summary>
    public void SaveCheckpoint(TrainingState state) => CheckpointRotation.Save(CheckpointPath, state, KeepCheckpoints);

    /// <summary>
    /// Undoes a new run that failed before it saved anything (no checkpoint, no metrics): removes the files it
    /// wrote, and the folder when this run created it and nothing else is in it, so the next attempt finds
    /// the place as it was.
    /// </summary>
    public void DiscardIfNothingSaved()
    {
        if (HasCheckpoint || File.Exists(System.IO.Path.Combine(Path, MetricsFile))) return;
        try
        {
            foreach (string file in new[] { ConfigFile, ConfigFile + ".tmp", LockFile })
                File.Delete(System.IO.Path.Combine(Path, file));
            _lock.Dispose();
            if (_createdFolder && !Directory.EnumerateFileSystemEntries(Path).Any()) Directory.Delete(Path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left behind, the folder is still one a new run may take; the original error matters more.
        }
    }

    /// <summary>Whether an open failed because another process holds the file's lock.</summary>
    internal static bool IsLockHeld(IOException e) =>
        e.HResult is 11 /* EAGAIN, Linux */ or 35 /* EAGAIN, macOS */ or unchecked((int)0x80070020) or unchecked((int)0x80070021) /* sharing, lock violation */;

    private static InputException InUse(string path) =>
        new($"{path}: another ilgpuvae process is training in this folder ({LockFile} is held); wait for it or stop it first");

    /// <summary>Writes the marker into run.lock (a folder of an older version gets it on its next run).</summary>
    private void Mark()
    {
        byte[] marker = Encoding.UTF8.GetBytes(LockMarker);
        var current = new byte[marker.Length + 1];
        _lock.Position = 0;
        int n = _lock.ReadAtLeast(current, current.Length, throwOnEndOfStream: false);
        if (n == marker.Length && current.AsSpan(0, n).SequenceEqual(marker)) return;
        _lock.SetLength(0);
        _lock.Write(marker);
        _lock.Flush(flushToDisk: true);
    }

    private static FileStream Lock(string path)
    {
        string file = System.IO.Path.Combine(path, LockFile);
        var kind = PathKinds.Of(file);
        if (kind is not (PathKind.Missing or PathKind.RegularFile)) throw new InputException($"{file}: is {PathKinds.Describe(kind)}, not a lock file");
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock on Unix); the kernel drops it when
            // the process dies, so a killed run never leaves its folder locked.
            return Writable(path, () => new FileStream(file, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (IsLockHeld(e))
        {
            throw InUse(path);
        }
    }

    /// <summary>Runs a write to <paramref name="folder"/>, naming a read-only file system or a denied permission as what they are.</summary>
    private static T Writable<T>(string folder, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (IOException e) when (DiskFault.IsReadOnlyFileSystem(e))
        {
            throw new InputException($"{folder}: read-only file system; a run needs a writable folder (copy a run elsewhere to continue it there)");
        }
        catch (UnauthorizedAccessException)
        {
            throw new InputException($"{folder}: permission denied; a run needs a folder it may write to");
        }
    }

    /// <summary>Releases the folder's lock.</summary>
    public void Dispose() => _lock.Dispose();
}

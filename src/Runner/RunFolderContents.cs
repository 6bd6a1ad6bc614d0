using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Files;

namespace IlgpuVae.Runner;

/// <summary>
/// What a folder holds, seen by a training run that wants to write there: whether it is this program's run
/// folder, which of its entries are a run's files, which are not (anything a user put there), and whether
/// a run has saved a checkpoint in it. A folder is this program's run folder when its run.lock carries the
/// program's marker line (every run writes it first) or, for folders of older versions, when a checkpoint
/// file is there; in any other folder every entry counts as the user's, whatever its name, so a hand-written
/// config.json, report.html or figures/ is never taken for a run's own.
/// </summary>
internal sealed class RunFolderContents
{
    private static readonly HashSet<string> RunFileNames =
        [RunFolder.ConfigFile, RunFolder.MetricsFile, RunFolder.CheckpointFileName, RunFolder.LockFile, Figures.RunReport.FileName, Figures.RunReport.FiguresFolder];

    private RunFolderContents(bool exists, bool ours, bool locked, IReadOnlyList<string> foreign, IReadOnlyList<string> checkpoints, bool hasMetrics)
    {
        Exists = exists;
        IsRunFolder = ours;
        Locked = locked;
        Foreign = foreign;
        Checkpoints = checkpoints;
        HasMetrics = hasMetrics;
    }

    /// <summary>Whether the folder exists.</summary>
    public bool Exists { get; }

    /// <summary>Whether it is this program's run folder.</summary>
    public bool IsRunFolder { get; }

    /// <summary>Whether another process holds its run.lock (trains there now).</summary>
    public bool Locked { get; }

    /// <summary>The entries that are not a run's files (folders with a trailing '/'), by name.</summary>
    public IReadOnlyList<string> Foreign { get; }

    /// <summary>The checkpoint files there (model.ckpt, model.ckpt.1, …), newest first.</summary>
    public IReadOnlyList<string> Checkpoints { get; }

    /// <summary>Whether metrics.jsonl is there.</summary>
    public bool HasMetrics { get; }

    /// <summary>Whether nothing at all is there.</summary>
    public bool IsEmpty => !IsRunFolder && Foreign.Count == 0;

    /// <summary>Reads what <paramref name="folder"/> holds. The path must be a folder or nothing.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="holdingLock">This process holds the folder's run.lock (which then cannot be read here).</param>
    public static RunFolderContents Read(string folder, bool holdingLock = false)
    {
        if (!Directory.Exists(folder)) return new(false, false, false, [], [], false);
        var entries = Directory.EnumerateFileSystemEntries(folder).Select(e => Path.GetFileName(e)!).Order(StringComparer.Ordinal).ToList();
        string checkpoint = Path.Combine(folder, RunFolder.CheckpointFileName);
        var checkpoints = CheckpointRotation.Files(checkpoint);
        string lockFile = Path.Combine(folder, RunFolder.LockFile);
        var (marked, locked) = holdingLock ? (true, false) : ReadLock(lockFile);
        // A folder of an older version has a run.lock without the marker; its checkpoints, or the
        // config.json a run writes, say what it is. A lone run.lock is what a run killed at its very
        // start leaves.
        bool ours = marked || locked || checkpoints.Any(IsCheckpointFile)
            || (File.Exists(lockFile) && (entries.Count == 1 || WrittenByRun(Path.Combine(folder, RunFolder.ConfigFile))));
        var foreign = entries.Where(e => !ours || !IsRunEntry(e)).Select(e => Directory.Exists(Path.Combine(folder, e)) ? e + "/" : e).ToList();
        return new(true, ours, locked, foreign, checkpoints, ours && File.Exists(Path.Combine(folder, RunFolder.MetricsFile)));
    }

    /// <summary>"a.txt, notes/, report.html and 4 more": the foreign entries for a message.</summary>
    public string DescribeForeign()
    {
        const int shown = 4;
        string list = string.Join(", ", Foreign.Take(shown));
        return Foreign.Count > shown ? $"{list} and {Foreign.Count - shown} more" : list;
    }

    /// <summary>A run's own file name: config.json, metrics.jsonl, model.ckpt(.N), run.lock, report.html, figures, or a temporary file of a save.</summary>
    private static bool IsRunEntry(string name) =>
        RunFileNames.Contains(name)
        || (name.StartsWith(RunFolder.CheckpointFileName + ".", StringComparison.Ordinal) && name.Length > RunFolder.CheckpointFileName.Length + 1
            && name[(RunFolder.CheckpointFileName.Length + 1)..].All(char.IsAsciiDigit))
        || name.StartsWith(CheckpointFile.TemporaryPrefix(RunFolder.CheckpointFileName), StringComparison.Ordinal)
        || name == RunFolder.ConfigFile + ".tmp" || name == RunFolder.MetricsFile + ".tmp";

    /// <summary>Whether a config.json is one a run wrote (it records the engine version under "_engine_version").</summary>
    private static bool WrittenByRun(string path)
    {
        try
        {
            if (PathKinds.Of(path) != PathKind.RegularFile || new FileInfo(path).Length > 1 << 20) return false;
            using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(path));
            return doc.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object && doc.RootElement.TryGetProperty("_engine_version", out _);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool IsCheckpointFile(string path)
    {
        try
        {
            if (PathKinds.Of(path) != PathKind.RegularFile) return false;
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Span<byte> magic = stackalloc byte[8];
            return file.Read(magic) == 8 && magic.SequenceEqual("IVAECKPT"u8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Whether run.lock carries the marker, and whether another process holds it.</summary>
    private static (bool Marked, bool Locked) ReadLock(string path)
    {
        var kind = PathKinds.Of(path);
        if (kind == PathKind.Missing) return (false, false);
        if (kind != PathKind.RegularFile) throw new InputException($"{path}: is {PathKinds.Describe(kind)}, not a lock file; the folder is not a run folder of this program");
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var start = new byte[RunFolder.LockMarker.Length];
            int n = file.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
            return (n == start.Length && start.AsSpan().SequenceEqual(System.Text.Encoding.UTF8.GetBytes(RunFolder.LockMarker)), false);
        }
        catch (IOException e) when (RunFolder.IsLockHeld(e))
        {
            return (true, true);
        }
    }
}

using System.Globalization;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Engine.Checkpoints;

/// <summary>
/// The last K checkpoints of a run under one name: <c>model.ckpt</c> is the newest, <c>model.ckpt.1</c>
/// the one before, then <c>model.ckpt.2</c> and so on up to <c>model.ckpt.(K−1)</c>.
/// <para>
/// A save writes the new file under a temporary name (flushed to disk), shifts the older ones up by
/// one, gives the current newest its second name <c>model.ckpt.1</c> by a hard link (so
/// <c>model.ckpt</c> never disappears, even for an instant), renames the new file over
/// <c>model.ckpt</c> and flushes the folder. A process killed at any point leaves every file complete;
/// at worst a temporary file is left over (<see cref="RemoveTemporaries"/>), or, where hard links are
/// unavailable, the newest is briefly only <c>model.ckpt.1</c>. Readers therefore take the newest
/// <em>valid</em> file (<see cref="LoadNewestValid"/>).
/// </para>
/// </summary>
internal static class CheckpointRotation
{
    /// <summary>The most checkpoints a run may keep.</summary>
    public const int MaxKeep = 1000;

    /// <summary>
    /// Saves <paramref name="state"/> as <paramref name="path"/>, keeping the previous
    /// <paramref name="keep"/> − 1 checkpoints as <c>path.1</c> … and deleting older ones.
    /// A state with a NaN or infinity is refused (<see cref="TrainingDivergedException"/>) before any
    /// file is touched.
    /// </summary>
    public static void Save(string path, TrainingState state, int keep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(keep, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keep, MaxKeep);
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        string temp = CheckpointFile.WriteTemporary(path, state);
        try
        {
            if (keep > 1 && File.Exists(path))
            {
                for (int n = keep - 2; n >= 1; n--)
                    if (File.Exists(Numbered(path, n))) File.Move(Numbered(path, n), Numbered(path, n + 1), overwrite: true);
                // The newest gets its second name through a temporary link renamed into place, so an
                // existing path.1 (keep = 2) is replaced atomically as well.
                string link = temp + ".link";
                if (DurableFile.TryHardLink(path, link)) File.Move(link, Numbered(path, 1), overwrite: true);
                else File.Move(path, Numbered(path, 1), overwrite: true);
            }
            File.Move(temp, path, overwrite: true);
            foreach (var (file, index) in Numbered(path))
                if (index >= keep) File.Delete(file);
            DurableFile.SyncDirectory(directory);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// The checkpoint files of <paramref name="path"/> that exist, newest first: <c>path</c>, then
    /// <c>path.1</c>, <c>path.2</c>, ….
    /// </summary>
    public static IReadOnlyList<string> Files(string path)
    {
        var files = new List<string>();
        // Whatever stands under the name counts (a folder too), so a reader names it rather than
        // reporting no checkpoint.
        if (PathKinds.Of(path) != PathKind.Missing) files.Add(path);
        files.AddRange(Numbered(path).Select(f => f.File));
        return files;
    }

    /// <summary>
    /// Loads the newest checkpoint of <paramref name="path"/> that reads without error. Returns it with
    /// its file name and one line for each newer file that was skipped (naming the defect).
    /// </summary>
    /// <exception cref="CheckpointFormatException">No file exists, or none is valid (the message gives the newest one's defect).</exception>
    public static (TrainingState State, string File, IReadOnlyList<string> Skipped) LoadNewestValid(string path)
    {
        var files = Files(path);
        if (files.Count == 0) throw new CheckpointFormatException($"{path}: no such checkpoint file (nor any older {Path.GetFileName(path)}.N)");
        var skipped = new List<string>();
        foreach (string file in files)
        {
            try
            {
                return (CheckpointFile.Load(file), file, skipped);
            }
            catch (CheckpointFormatException e)
            {
                skipped.Add(e.Message);
            }
        }
        throw new CheckpointFormatException(files.Count == 1
            ? skipped[0]
            : $"none of the {files.Count} checkpoints is valid; the newest: {skipped[0]}");
    }

    /// <summary>Deletes temporary files that a save killed midway left next to <paramref name="path"/>; returns how many.</summary>
    /// <remarks>Only call this while no other process is saving to the same path (the run folder's lock).</remarks>
    public static int RemoveTemporaries(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (string file in Directory.EnumerateFiles(directory, CheckpointFile.TemporaryPrefix(path) + "*.tmp*"))
        {
            File.Delete(file);
            removed++;
        }
        return removed;
    }

    private static string Numbered(string path, int n) => $"{path}.{n.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The existing path.N files (N ≥ 1), by N.</summary>
    private static IEnumerable<(string File, int Index)> Numbered(string path)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(directory)) return [];
        string prefix = Path.GetFileName(full) + ".";
        var found = new List<(string, int)>();
        foreach (string file in Directory.EnumerateFiles(directory, prefix + "*"))
        {
            // The search pattern follows Windows rules ("model.ckpt.*" also matches "model.ckpt"), so the
            // name is checked here.
            string name = Path.GetFileName(file);
            if (name.Length <= prefix.Length || !name.StartsWith(prefix, StringComparison.Ordinal)) continue;
            string suffix = name[prefix.Length..];
            if (suffix.Length is > 0 and <= 4 && suffix.All(char.IsAsciiDigit) && suffix[0] != '0'
                && int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                found.Add((Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileName(file)), n));
        }
        return found.OrderBy(f => f.Item2).ToList();
    }
}

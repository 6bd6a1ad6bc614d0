using IlgpuVae.Engine;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// Where a picture command writes when no --out is given: into the run folder it draws from, never into
/// the current directory. A --model that is a run folder, or a checkpoint inside one (a folder holding
/// config.json or metrics.jsonl), gives that folder; anything else needs --out.
/// </summary>
internal static class PictureOutput
{
    /// <summary>The file to write: <paramref name="given"/> when set, else <paramref name="fileName"/> in the run folder of <paramref name="model"/>.</summary>
    public static string ForModel(string? given, string model, string fileName)
    {
        if (given is not null) return given;
        string? folder = Directory.Exists(model) ? model : Path.GetDirectoryName(Path.GetFullPath(model));
        if (folder is null || !IsRunFolder(folder))
            throw new InputException($"--model {model} is a checkpoint outside a run folder: give --out FILE.png to say where the picture goes");
        return Path.Combine(folder, fileName);
    }

    /// <summary>The file to write for pictures of several runs: <paramref name="given"/>, else <paramref name="fileName"/> in the only run folder.</summary>
    public static string ForRuns(string? given, IReadOnlyList<string> runs, string fileName)
    {
        if (given is not null) return given;
        if (runs.Count != 1) throw new InputException($"{runs.Count} runs are drawn together: give --out FILE.png to say where the picture goes");
        if (!Directory.Exists(runs[0])) throw new InputException($"{runs[0]}: no such run folder");
        return Path.Combine(runs[0], fileName);
    }

    private static bool IsRunFolder(string folder) =>
        File.Exists(Path.Combine(folder, RunFolder.ConfigFile)) || File.Exists(Path.Combine(folder, RunFolder.MetricsFile));
}

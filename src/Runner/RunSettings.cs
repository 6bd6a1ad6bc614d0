using System.CommandLine;
using System.Globalization;
using IlgpuVae.Engine.Data;

namespace IlgpuVae.Runner;

/// <summary>
/// The settings of a `train` run that are neither model nor training configuration — its data, how often it
/// saves, how many checkpoints it keeps and what it does on divergence — as option values keyed like
/// config.json. Every checkpoint records them (<c>TrainingState.RunOptions</c>), and <c>train --resume</c>
/// takes them from there for every option the command line leaves out, so a resumed run keeps them all;
/// each may be given anew (the data only with the same images). What belongs to the machine rather than
/// to the run — the accelerator, device, thread count and the data cache — is chosen again on every start
/// (a preempted run may continue on a node with other hardware, and every accelerator computes the same
/// bits), and stays out of the checkpoint, so runs that differ only in it write byte-identical files.
/// </summary>
internal static class RunSettings
{
    private static readonly HashSet<string> Keys =
        ["data", "keep_checkpoints", "checkpoint_every", "on_divergence"];

    /// <summary>Whether the config.json key <paramref name="key"/> is one of the run settings.</summary>
    public static bool IsRunSetting(string key) => Keys.Contains(key);

    /// <summary>
    /// The run settings in effect in <paramref name="parse"/>: each with a value (an option left at no value,
    /// such as --checkpoint-every, is left out); a data folder as an absolute path.
    /// </summary>
    public static IReadOnlyDictionary<string, string> Of(ParseResult parse)
    {
        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var option in parse.CommandResult.Command.Options)
        {
            string key = option.Name.TrimStart('-').Replace('-', '_');
            if (!Keys.Contains(key)) continue;
            object? value = parse.GetResult(option) is { } result ? result.GetValueOrDefault<object?>() : null;
            string? text = value switch
            {
                null => null,
                bool b => b ? "true" : "false",
                IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
                _ => value.ToString(),
            };
            if (text is null) continue;
            if (key == "data" && IsFolder(text)) text = Path.GetFullPath(text);
            settings[key] = text;
        }
        return new Dictionary<string, string>(settings);
    }

    /// <summary>Whether a --data value names a folder, as opposed to the built-in data sets.</summary>
    public static bool IsFolder(string spec) =>
        !string.Equals(spec, DataSources.Mnist, StringComparison.OrdinalIgnoreCase)
        && !string.Equals(spec, DataSources.FashionMnist, StringComparison.OrdinalIgnoreCase)
        && Directory.Exists(spec);
}

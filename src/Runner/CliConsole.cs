using Spectre.Console;

namespace IlgpuVae.Runner;

/// <summary>Where a command writes: results on stdout, logs and progress on stderr.</summary>
/// <param name="Out">Results (what a script parses).</param>
/// <param name="Error">Logs, progress and errors.</param>
/// <param name="Interactive">True when stderr is a terminal: show a live progress bar instead of log lines.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>--quiet: no log lines and no progress, only results and errors.</summary>
    public bool Quiet { get; set; }

    /// <summary>True when stdout is the terminal that the progress bar is drawn on, so result lines written while it is drawn go through it.</summary>
    public bool OutIsTerminal { get; init; }

    /// <summary>How often a long command writes a progress log line when stderr is not a terminal.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Whether to draw a live progress bar: on a terminal, unless quiet.</summary>
    public bool ShowProgressBar => Interactive && !Quiet;

    /// <summary>The terminal while a progress bar is drawn on it (set by <see cref="ProgressDisplay"/>): lines go above the bar.</summary>
    internal IAnsiConsole? Live { get; set; }

    /// <summary>Writes a timestamped log line to stderr (nothing when quiet).</summary>
    public void Log(string message)
    {
        if (Quiet) return;
        string line = $"[{DateTime.Now:HH:mm:ss}] {message}";
        if (Live is { } live) live.WriteLine(line);
        else Error.WriteLine(line);
    }

    /// <summary>Writes a result line to stdout; above the progress bar when both share the terminal.</summary>
    public void WriteResult(string line)
    {
        if (Live is { } live && OutIsTerminal) live.WriteLine(line);
        else Out.WriteLine(line);
    }
}

namespace IlgpuVae.Runner;

/// <summary>Where a command writes: results on stdout, logs and progress on stderr.</summary>
/// <param name="Out">Results (what a script parses).</param>
/// <param name="Error">Logs, progress and errors.</param>
/// <param name="Interactive">True when stderr is a terminal: show a live progress bar instead of log lines.</param>
public sealed record CliConsole(TextWriter Out, TextWriter Error, bool Interactive)
{
    /// <summary>--quiet: no log lines and no progress, only results and errors.</summary>
    public bool Quiet { get; set; }

    /// <summary>Whether to draw a live progress bar: on a terminal, unless quiet.</summary>
    public bool ShowProgressBar => Interactive && !Quiet;

    /// <summary>Writes a timestamped log line to stderr (nothing when quiet).</summary>
    public void Log(string message)
    {
        if (!Quiet) Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
    }
}

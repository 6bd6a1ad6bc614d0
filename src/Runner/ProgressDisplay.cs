using System.Diagnostics;
using System.Globalization;
using IlgpuVae.Engine.Training;
using Spectre.Console;

namespace IlgpuVae.Runner;

/// <summary>
/// Shows the progress of a long command — training epochs, the log p(x) estimate of `eval`, the checks of
/// `verify`, the runs of `experiment` and `bench` — with an estimate of the time left: a live bar when
/// stderr is a terminal, otherwise a plain timestamped log line every <see cref="CliConsole.ProgressInterval"/>
/// (10 s), which suits batch-job logs. Nothing with --quiet.
/// </summary>
internal sealed class ProgressDisplay(CliConsole console)
{
    private DateTime _lastLog = DateTime.MinValue;

    /// <summary>Runs one training epoch through <paramref name="run"/>, displaying its step reports; returns what <paramref name="run"/> returns.</summary>
    public T RunEpoch<T>(int epoch, int epochs, int stepsPerEpoch, Func<Action<StepProgress>, T> run) =>
        Run($"epoch {epoch}/{epochs}", stepsPerEpoch, "step", report => run(p => report(p.StepInEpoch,
            string.Create(CultureInfo.InvariantCulture, $"ELBO {p.RunningElbo,8:F2}  {p.SamplesPerSecond,7:F0} samples/s"))));

    /// <summary>
    /// Runs <paramref name="work"/>, which reports how many of <paramref name="total"/> units (named
    /// <paramref name="unit"/> in log lines) it has done, with an optional detail to show beside the count.
    /// Log lines come at most every <see cref="CliConsole.ProgressInterval"/>, and when the work is done.
    /// With <paramref name="redrawBetweenReports"/> false the bar is redrawn only when work reports, so no
    /// drawing thread competes with a benchmark for the CPU.
    /// </summary>
    public T Run<T>(string description, double total, string unit, Func<ProgressReport, T> work, bool redrawBetweenReports = true)
    {
        var clock = Stopwatch.StartNew();
        if (!console.ShowProgressBar)
        {
            return work((done, detail) =>
            {
                if (console.Quiet || (DateTime.UtcNow - _lastLog < console.ProgressInterval && done < total)) return;
                _lastLog = DateTime.UtcNow;
                console.Log(LogLine(description, done, total, unit, detail, clock.Elapsed));
            });
        }
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(console.Error) });
        T result = default!;
        ansi.Progress()
            .AutoClear(true)
            .AutoRefresh(redrawBetweenReports)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1e-9));
                if (!redrawBetweenReports) ctx.Refresh();
                console.Live = ansi;
                try
                {
                    result = work((done, detail) =>
                    {
                        task.Value = done;
                        task.Description = Markup.Escape(detail is null ? description : $"{description}  {detail}");
                        if (!redrawBetweenReports) ctx.Refresh();
                    });
                }
                finally
                {
                    console.Live = null;
                }
                task.Value = total;
            });
        return result;
    }

    /// <summary>"epoch 1/10: step 120/600 (20 %)  ELBO -190.00  25000 samples/s; about 1 min 5 s left".</summary>
    internal static string LogLine(string description, double done, double total, string unit, string? detail, TimeSpan elapsed)
    {
        string count = total == Math.Floor(total) && done == Math.Floor(done)
            ? string.Create(CultureInfo.InvariantCulture, $"{done:N0}/{total:N0}")
            : string.Create(CultureInfo.InvariantCulture, $"{done:F1}/{total:F1}");
        string line = string.Create(CultureInfo.InvariantCulture, $"{description}: {unit} {count} ({100 * done / Math.Max(total, 1e-9):F0} %)");
        if (detail is not null) line += "  " + detail.Trim();
        if (Remaining(done, total, elapsed) is TimeSpan left) line += $"; about {Describe(left)} left";
        return line;
    }

    /// <summary>The time left at the rate so far, or null before there is a rate to go by.</summary>
    internal static TimeSpan? Remaining(double done, double total, TimeSpan elapsed) =>
        done > 0 && done < total && elapsed > TimeSpan.Zero ? elapsed * ((total - done) / done) : null;

    /// <summary>A duration as people say it: "45 s", "3 min 20 s", "2 h 5 min".</summary>
    internal static string Describe(TimeSpan span)
    {
        long seconds = (long)Math.Ceiling(span.TotalSeconds);
        if (seconds < 60) return $"{seconds} s";
        if (seconds < 3600) return seconds % 60 == 0 ? $"{seconds / 60} min" : $"{seconds / 60} min {seconds % 60} s";
        long minutes = (seconds + 59) / 60;
        return minutes % 60 == 0 ? $"{minutes / 60} h" : $"{minutes / 60} h {minutes % 60} min";
    }
}

/// <summary>What a long-running piece of work calls to say how far it is: units done so far and an optional detail to show.</summary>
internal delegate void ProgressReport(double done, string? detail = null);

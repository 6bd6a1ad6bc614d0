using IlgpuVae.Engine.Training;
using Spectre.Console;

namespace IlgpuVae.Runner;

/// <summary>
/// Shows training progress: a live bar (steps, samples/s, running ELBO, ETA) when stderr is a terminal,
/// otherwise a plain timestamped log line every few seconds, which suits batch-job logs.
/// </summary>
internal sealed class ProgressDisplay
{
    private readonly CliConsole _console;
    private readonly TimeSpan _logInterval = TimeSpan.FromSeconds(10);
    private DateTime _lastLog = DateTime.MinValue;

    public ProgressDisplay(CliConsole console) => _console = console;

    /// <summary>Runs one epoch through <paramref name="run"/>, displaying its progress reports; returns what <paramref name="run"/> returns.</summary>
    public T RunEpoch<T>(int epoch, int epochs, int stepsPerEpoch, Func<Action<StepProgress>, T> run)
    {
        if (!_console.ShowProgressBar)
        {
            return run(p =>
            {
                if (DateTime.UtcNow - _lastLog < _logInterval && p.StepInEpoch < p.StepsPerEpoch) return;
                _lastLog = DateTime.UtcNow;
                _console.Log($"epoch {epoch}/{epochs} step {p.StepInEpoch}/{p.StepsPerEpoch}  ELBO {p.RunningElbo:F2}  {p.SamplesPerSecond:F0} samples/s");
            });
        }
        var ansi = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_console.Error) });
        T result = default!;
        ansi.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"epoch {epoch}/{epochs}", maxValue: stepsPerEpoch);
                result = run(p =>
                {
                    task.Value = p.StepInEpoch;
                    task.Description = $"epoch {epoch}/{epochs}  ELBO {p.RunningElbo,8:F2}  {p.SamplesPerSecond,7:F0} samples/s";
                });
                task.Value = stepsPerEpoch;
            });
        return result;
    }
}

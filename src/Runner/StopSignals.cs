using System.Runtime.InteropServices;

namespace IlgpuVae.Runner;

/// <summary>
/// SIGINT and SIGTERM, handled from the first moment of every command. A command that can stop cleanly
/// (training: <see cref="Graceful"/>) gets the first signal as a request to stop after the step in
/// progress (<see cref="Token"/>); the trainer then saves a checkpoint and the program exits with
/// <see cref="ExitCodes.Interrupted"/>. Any other command — and training before it has set up — is
/// stopped at once with the same code and one line saying so. A second signal always exits at once,
/// without saving: the previous checkpoint is complete on disk whatever the moment (saves are atomic).
/// Batch schedulers send SIGTERM before killing a job, so a preempted run loses at most one step.
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Action<string> _log;
    private readonly Action<string> _error;
    private readonly Action<int> _exit;
    private int _received;

    /// <summary>Registers the handlers (unless <paramref name="register"/> is false, for tests).</summary>
    /// <param name="log">Where to say what happens (log lines).</param>
    /// <param name="error">Where the one line of an immediate stop goes (stderr, also when quiet).</param>
    /// <param name="exit">How to exit at once (default: <see cref="Environment.Exit"/>).</param>
    /// <param name="register">Whether to install the process's signal handlers.</param>
    public StopSignals(Action<string> log, Action<string> error, Action<int>? exit = null, bool register = true)
    {
        _log = log;
        _error = error;
        _exit = exit ?? Environment.Exit;
        if (!register) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
        {
            try
            {
                _registrations.Add(PosixSignalRegistration.Create(signal, context => context.Cancel = Receive(context.Signal)));
            }
            catch (PlatformNotSupportedException)
            {
                // A platform without this signal simply keeps its default behaviour.
            }
        }
    }

    /// <summary>
    /// Whether the running command stops cleanly on the first signal (it watches <see cref="Token"/>);
    /// otherwise the first signal exits at once.
    /// </summary>
    public bool Graceful { get; set; }

    /// <summary>Cancelled by the first signal while <see cref="Graceful"/>: stop after the current step.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>Whether a stop was requested.</summary>
    public bool StopRequested => _stop.IsCancellationRequested;

    /// <summary>The name of the first signal received ("SIGTERM"), or null.</summary>
    public string? Received { get; private set; }

    /// <summary>Handles one signal; returns true to suppress the default termination.</summary>
    internal bool Receive(PosixSignal signal)
    {
        string name = signal.ToString();
        if (Interlocked.Increment(ref _received) == 1)
        {
            Received = name;
            if (!Graceful)
            {
                _error($"ilgpuvae: stopped by {name}");
                _exit(ExitCodes.Interrupted);
                return true;
            }
            _log($"{name} received: finishing the current step and saving a checkpoint (send it again to exit at once without saving)");
            _stop.Cancel();
            return true;
        }
        _log($"second {name}: exiting now without saving; the last checkpoint on disk is kept");
        _exit(ExitCodes.Interrupted);
        return true;
    }

    /// <summary>Removes the handlers.</summary>
    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
        _stop.Dispose();
    }
}

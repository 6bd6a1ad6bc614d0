using System.Diagnostics;

namespace IlgpuVae.Engine.Benchmarking;

/// <summary>How the warm-up of <see cref="SteadyStateTimer.WarmUp"/> went.</summary>
/// <param name="Rounds">Rounds run: every case launched, then a pause.</param>
/// <param name="Elapsed">Wall-clock time of the warm-up, pauses included.</param>
/// <param name="JitSettled">Whether the last round and pause saw the JIT compile nothing (false: it stopped at <see cref="SteadyStateTimer.MaxRounds"/> or <see cref="SteadyStateTimer.WarmUpLimit"/>).</param>
internal sealed record WarmUpReport(int Rounds, TimeSpan Elapsed, bool JitSettled);

/// <summary>One case's timing: the launches of each repetition and the device time per launch of each repetition.</summary>
/// <param name="Launches">Back-to-back launches per timed repetition.</param>
/// <param name="MicrosecondsPerLaunch">Each timed repetition's device time divided by <paramref name="Launches"/>, in the order run.</param>
internal sealed record CaseTiming(int Launches, IReadOnlyList<double> MicrosecondsPerLaunch)
{
    /// <summary>The median over the repetitions.</summary>
    public double Median
    {
        get
        {
            var sorted = MicrosecondsPerLaunch.Order().ToArray();
            int mid = sorted.Length / 2;
            return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        }
    }
}

/// <summary>
/// Times kernel launches in their steady state, so that a kernel's figure does not depend on what ran before
/// it. Two things make early launches slow. .NET compiles the host code (the CPU kernels themselves, a device's
/// launch path) with its tiered JIT: first quickly and unoptimised, then, once a method has been called about
/// 30 times and no new method has been compiled for 100 ms, again with full optimisation on a background thread
/// (with dynamic PGO, through an instrumented tier in between). And the first launches of a kernel find cold
/// caches and sleeping worker threads. So:
/// <list type="number">
/// <item><see cref="WarmUp"/> runs before anything is timed, over every case together: rounds in which each
/// case is launched <see cref="CallsPerRound"/> times (fewer when that would take longer than
/// <see cref="CaseTimePerRound"/>), each followed by a <see cref="Pause"/> longer than the JIT's delay, until
/// a round and its pause passed without the JIT compiling any method. A case's position in the list no longer
/// decides whether it is timed before or after the JIT has finished with it.</item>
/// <item><see cref="Time"/> then times one case: it chooses the launches per repetition, repeats untimed
/// repetitions until one is no more than <see cref="SettledGain"/> faster than the one before (the timing has
/// stopped improving), and returns the timed repetitions, whose spread the caller reports.</item>
/// </list>
/// </summary>
internal sealed class SteadyStateTimer
{
    /// <summary>Launches of each case per warm-up round: above the 30 calls after which .NET's tiered JIT recompiles a method with full optimisation.</summary>
    public const int CallsPerRound = 32;

    /// <summary>
    /// A case's launches in one warm-up round stop early once they have taken this long (at least one launch is
    /// made). The cases this cuts short (over 3 ms a launch: the matrix kernels at batch 1024 on the CPU, most
    /// kernels on ILGPU's CPU accelerator) share their host code with faster cases (the same kernel at batch
    /// 100, a device's one launch path), and a launch that long spends its time in loops that .NET replaces
    /// with optimised code while they run (on-stack replacement).
    /// </summary>
    public static readonly TimeSpan CaseTimePerRound = TimeSpan.FromMilliseconds(100);

    /// <summary>The pause after each warm-up round: longer than the tiered JIT's 100 ms delay, so that its background compilation gets its turn.</summary>
    public static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(200);

    /// <summary>The fewest warm-up rounds (a quiet first round may only mean that the JIT has not started counting calls yet).</summary>
    public const int MinRounds = 2;

    /// <summary>The most warm-up rounds: a JIT still compiling after these is reported, not waited for.</summary>
    public const int MaxRounds = 40;

    /// <summary>The longest a warm-up may run before it stops after its current round.</summary>
    public static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(60);

    /// <summary>A timed repetition is at least this long when the launch count is chosen automatically: long against the timer's resolution and a launch's cost.</summary>
    public static readonly TimeSpan RepetitionTarget = TimeSpan.FromMilliseconds(20);

    /// <summary>The most launches a repetition is given automatically (a kernel of well under a microsecond would otherwise ask for more).</summary>
    public const int MaxAutomaticLaunches = 1 << 16;

    /// <summary>Untimed repetitions before the timed ones continue while each is faster than this share of the one before (0.9: more than 10 % faster).</summary>
    public const double SettledGain = 0.9;

    /// <summary>The most untimed repetitions before the timed ones.</summary>
    public const int MaxSettlingRepetitions = 5;

    private readonly Func<Action, TimeSpan> _measure;
    private readonly Func<long> _compiledMethods;
    private readonly Action<TimeSpan> _pause;

    /// <summary>
    /// A timer that measures with <paramref name="measure"/> (an accelerator's device time of the launches an
    /// action queues). The JIT's count of compiled methods and the pause are the runtime's unless given (tests give their own).
    /// </summary>
    public SteadyStateTimer(Func<Action, TimeSpan> measure, Func<long>? compiledMethods = null, Action<TimeSpan>? pause = null)
    {
        _measure = measure ?? throw new ArgumentNullException(nameof(measure));
        _compiledMethods = compiledMethods ?? (() => System.Runtime.JitInfo.GetCompiledMethodCount(currentThread: false));
        _pause = pause ?? Thread.Sleep;
    }

    /// <summary>
    /// Launches every one of <paramref name="launches"/> in rounds until the JIT has finished (see the class
    /// summary); <paramref name="roundDone"/> hears each finished round's number.
    /// </summary>
    public WarmUpReport WarmUp(IReadOnlyList<Action> launches, Action<int>? roundDone = null)
    {
        ArgumentNullException.ThrowIfNull(launches);
        var clock = Stopwatch.StartNew();
        long compiled = _compiledMethods();
        for (int round = 1; ; round++)
        {
            foreach (var launch in launches)
            {
                var spent = TimeSpan.Zero;
                for (int i = 0; i < CallsPerRound && (i == 0 || spent < CaseTimePerRound); i++) spent += Loop(launch, 1);
            }
            _pause(Pause);
            long now = _compiledMethods();
            bool quiet = now == compiled;
            compiled = now;
            roundDone?.Invoke(round);
            if (quiet && round >= MinRounds) return new WarmUpReport(round, clock.Elapsed, true);
            if (round >= MaxRounds || clock.Elapsed >= WarmUpLimit) return new WarmUpReport(round, clock.Elapsed, false);
        }
    }

    /// <summary>
    /// Times <paramref name="launch"/>: <paramref name="repeats"/> repetitions of <paramref name="launches"/>
    /// back-to-back launches (null: enough for <see cref="RepetitionTarget"/>), after untimed repetitions
    /// until the timing stops improving.
    /// </summary>
    public CaseTiming Time(Action launch, int repeats, int? launches)
    {
        ArgumentNullException.ThrowIfNull(launch);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        int n = launches ?? Calibrate(launch);
        var previous = Loop(launch, n);
        for (int i = 1; i < MaxSettlingRepetitions; i++)
        {
            var next = Loop(launch, n);
            if (next >= previous * SettledGain) break;
            previous = next;
        }
        var perLaunch = new double[repeats];
        for (int r = 0; r < repeats; r++) perLaunch[r] = Loop(launch, n).TotalMicroseconds / n;
        return new CaseTiming(n, perLaunch);
    }

    /// <summary>The device time of <paramref name="count"/> back-to-back launches: the one path both the warm-up and the timing take.</summary>
    private TimeSpan Loop(Action launch, int count) => _measure(() =>
    {
        for (int i = 0; i < count; i++) launch();
    });

    /// <summary>Doubles the launch count until a loop lasts an eighth of <see cref="RepetitionTarget"/>, then scales it up to the target.</summary>
    private int Calibrate(Action launch)
    {
        int n = 1;
        TimeSpan t = Loop(launch, n);
        while (t < RepetitionTarget / 8 && n < MaxAutomaticLaunches)
        {
            n *= 2;
            t = Loop(launch, n);
        }
        // A zero reading (a timer coarser than the loop) leaves n at the cap, which the doubling reached.
        double scaled = t > TimeSpan.Zero ? Math.Ceiling(n * (RepetitionTarget / t)) : n;
        return (int)Math.Clamp(scaled, 1, MaxAutomaticLaunches);
    }
}

using IlgpuVae.Engine.Benchmarking;
using NUnit.Framework;

namespace IlgpuVae.Tests.Benchmarking;

/// <summary>
/// The structure that makes `bench --kernels` figures independent of a kernel's place in the list, checked
/// with a scripted clock and a scripted JIT instead of real timings: every case is launched in every warm-up
/// round, enough times for .NET's tiered JIT to recompile what it runs, before any case is timed; the
/// warm-up pauses for the JIT after each round and ends at the first round in which the JIT compiled
/// nothing (or gives up, and says so); the timing repeats untimed repetitions while they still get faster.
/// </summary>
[TestFixture]
public sealed class SteadyStateTimerTests
{
    /// <summary>A scripted accelerator and JIT: what was launched when, in which phase.</summary>
    private sealed class Script
    {
        public readonly List<(string Phase, int Case)> Launches = [];
        public readonly List<TimeSpan> Pauses = [];
        public string Phase = "warm-up";
        public long Compiled;
        /// <summary>How many methods the JIT compiles during the pause after round r (1-based); 0 beyond the list.</summary>
        public int[] CompiledPerPause = [];
        /// <summary>Device time of one measured loop, given how many launches it made.</summary>
        public Func<int, TimeSpan> LoopTime = n => TimeSpan.FromMilliseconds(n);

        public SteadyStateTimer Timer() => new(Measure, () => Compiled, Pause);

        public Action Case(int index) => () => Launches.Add((Phase, index));

        private TimeSpan Measure(Action work)
        {
            int before = Launches.Count;
            work();
            return LoopTime(Launches.Count - before);
        }

        private void Pause(TimeSpan pause)
        {
            Pauses.Add(pause);
            if (Pauses.Count <= CompiledPerPause.Length) Compiled += CompiledPerPause[Pauses.Count - 1];
        }
    }

    [Test]
    public void EveryCaseIsWarmedUpInEveryRoundBeforeAnyIsTimed()
    {
        var script = new Script { CompiledPerPause = [40, 12, 3] };
        var timer = script.Timer();
        var cases = Enumerable.Range(0, 5).Select(script.Case).ToList();
        var rounds = new List<int>();
        var report = timer.WarmUp(cases, rounds.Add);

        Assert.That(report.JitSettled, Is.True);
        Assert.That(report.Rounds, Is.EqualTo(4), "three rounds in which the JIT compiled something, then the first quiet one");
        Assert.That(rounds, Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(script.Pauses, Has.Count.EqualTo(4).And.All.GreaterThan(TimeSpan.FromMilliseconds(100)),
            "a pause after every round, longer than the tiered JIT's 100 ms delay");
        for (int c = 0; c < cases.Count; c++)
            Assert.That(script.Launches.Count(l => l.Case == c), Is.EqualTo(4 * SteadyStateTimer.CallsPerRound), $"case {c}");
        Assert.That(SteadyStateTimer.CallsPerRound, Is.GreaterThan(30), "more calls a round than the JIT's threshold for recompiling a method");
        // Within a round the cases come in list order, each with all its launches.
        var firstRound = script.Launches.Take(cases.Count * SteadyStateTimer.CallsPerRound).Select(l => l.Case).ToList();
        Assert.That(firstRound, Is.Ordered);

        script.Phase = "timed";
        var timing = timer.Time(cases[3], repeats: 3, launches: 2);
        Assert.That(script.Launches.Where(l => l.Phase == "timed").Select(l => l.Case), Has.All.EqualTo(3), "timing launches only its own case");
        Assert.That(timing.Launches, Is.EqualTo(2));
        Assert.That(timing.MicrosecondsPerLaunch, Has.Count.EqualTo(3).And.All.EqualTo(1000.0), "1 ms per launch, as scripted");
    }

    [Test]
    public void AQuietFirstRoundIsNotEnough()
    {
        var script = new Script();
        var report = script.Timer().WarmUp([script.Case(0)]);
        Assert.That(report.JitSettled, Is.True);
        Assert.That(report.Rounds, Is.EqualTo(SteadyStateTimer.MinRounds), "the JIT may not have started counting calls during the first round");
        Assert.That(SteadyStateTimer.MinRounds, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void TheWarmUpGivesUpOnAJitThatNeverSettlesAndSaysSo()
    {
        var script = new Script { CompiledPerPause = Enumerable.Repeat(1, 100).ToArray() };
        var report = script.Timer().WarmUp([script.Case(0), script.Case(1)]);
        Assert.That(report.JitSettled, Is.False);
        Assert.That(report.Rounds, Is.EqualTo(SteadyStateTimer.MaxRounds));
    }

    [Test]
    public void ASlowCaseGetsFewerWarmUpLaunchesARound()
    {
        // 40 ms a launch: the second launch brings the round's time to 80 ms, the third to 120 ms, past the 100 ms cap.
        var script = new Script { CompiledPerPause = [5], LoopTime = n => TimeSpan.FromMilliseconds(40 * n) };
        script.Timer().WarmUp([script.Case(0)]);
        int perRound = (int)Math.Ceiling(SteadyStateTimer.CaseTimePerRound / TimeSpan.FromMilliseconds(40));
        Assert.That(script.Launches, Has.Count.EqualTo(2 * perRound));
    }

    [Test]
    public void UntimedRepetitionsContinueWhileTheyGetFaster()
    {
        // Loops of 4 launches: 10, 6 and 5.8 ms untimed (the third is not 10 % faster than the second), then 3 timed.
        var times = new Queue<double>([10, 6, 5.8, 4, 4.4, 4.2, 99]);
        var script = new Script { LoopTime = _ => TimeSpan.FromMilliseconds(times.Dequeue()) };
        var timing = script.Timer().Time(script.Case(0), repeats: 3, launches: 4);
        Assert.That(timing.MicrosecondsPerLaunch, Is.EqualTo(new[] { 1000.0, 1100.0, 1050.0 }).Within(1e-9));
        Assert.That(timing.Median, Is.EqualTo(1050.0).Within(1e-9));
        Assert.That(times, Has.Count.EqualTo(1), "nothing measured after the timed repetitions");
    }

    [Test]
    public void UntimedRepetitionsStopAtTheirLimit()
    {
        int loops = 0;
        var script = new Script();
        script.LoopTime = _ => TimeSpan.FromMilliseconds(1000.0 / ++loops); // every loop much faster than the last
        script.Timer().Time(script.Case(0), repeats: 2, launches: 1);
        Assert.That(loops, Is.EqualTo(SteadyStateTimer.MaxSettlingRepetitions + 2));
    }

    [Test]
    public void TheLaunchCountFillsTheRepetitionTarget()
    {
        // 100 µs a launch: doubling reaches 32 launches (3.2 ms, past an eighth of 20 ms), then 32 · 20 / 3.2 = 200.
        var script = new Script { LoopTime = n => TimeSpan.FromMicroseconds(100 * n) };
        var timing = script.Timer().Time(script.Case(0), repeats: 1, launches: null);
        Assert.That(timing.Launches, Is.EqualTo(200));
        Assert.That(timing.MicrosecondsPerLaunch, Is.EqualTo(new[] { 100.0 }).Within(1e-9));
    }
}

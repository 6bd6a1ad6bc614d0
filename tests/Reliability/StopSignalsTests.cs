using System.Runtime.InteropServices;
using IlgpuVae.Runner;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// The signal logic without real signals: while training (graceful) the first signal asks for a stop and
/// the second exits at once with 130; before that, and in every other command, the first exits at once
/// with 130 and one line.
/// </summary>
[TestFixture]
public sealed class StopSignalsTests
{
    [Test]
    public void TheFirstSignalStopsAndTheSecondExits()
    {
        var log = new List<string>();
        var errors = new List<string>();
        var exits = new List<int>();
        using var signals = new StopSignals(log.Add, errors.Add, exits.Add, register: false) { Graceful = true };
        Assert.That(signals.Token.IsCancellationRequested, Is.False);

        Assert.That(signals.Receive(PosixSignal.SIGTERM), Is.True, "the default termination is suppressed");
        Assert.That(signals.Token.IsCancellationRequested, Is.True);
        Assert.That(exits, Is.Empty);
        Assert.That(errors, Is.Empty);
        Assert.That(signals.Received, Is.EqualTo("SIGTERM"));
        Assert.That(log[0], Does.Contain("SIGTERM received").And.Contain("saving a checkpoint"));

        signals.Receive(PosixSignal.SIGINT);
        Assert.That(exits, Is.EqualTo(new[] { ExitCodes.Interrupted }));
        Assert.That(log[1], Does.Contain("second SIGINT").And.Contain("without saving"));
    }

    [Test]
    public void WithoutACleanStopTheFirstSignalExitsAtOnceWithOneLine()
    {
        var errors = new List<string>();
        var exits = new List<int>();
        using var signals = new StopSignals(_ => { }, errors.Add, exits.Add, register: false);
        Assert.That(signals.Receive(PosixSignal.SIGINT), Is.True);
        Assert.That(exits, Is.EqualTo(new[] { ExitCodes.Interrupted }));
        Assert.That(errors, Is.EqualTo(new[] { "ilgpuvae: stopped by SIGINT" }));
    }
}

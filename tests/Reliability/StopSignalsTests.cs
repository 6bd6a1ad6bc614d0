using System.Runtime.InteropServices;
using IlgpuVae.Runner;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>The signal logic without real signals: the first asks for a stop, the second exits at once with 130.</summary>
[TestFixture]
public sealed class StopSignalsTests
{
    [Test]
    public void TheFirstSignalStopsAndTheSecondExits()
    {
        var log = new List<string>();
        var exits = new List<int>();
        using var signals = new StopSignals(log.Add, exits.Add, register: false);
        Assert.That(signals.Token.IsCancellationRequested, Is.False);

        Assert.That(signals.Receive(PosixSignal.SIGTERM), Is.True, "the default termination is suppressed");
        Assert.That(signals.Token.IsCancellationRequested, Is.True);
        Assert.That(exits, Is.Empty);
        Assert.That(signals.Received, Is.EqualTo("SIGTERM"));
        Assert.That(log[0], Does.Contain("SIGTERM received").And.Contain("saving a checkpoint"));

        signals.Receive(PosixSignal.SIGINT);
        Assert.That(exits, Is.EqualTo(new[] { ExitCodes.Interrupted }));
        Assert.That(log[1], Does.Contain("second SIGINT").And.Contain("without saving"));
    }
}

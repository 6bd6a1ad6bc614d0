using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// Whole training on every ILGPU family ends in the same bits as on the CPU: every parameter, every
/// optimizer-state value and each epoch's ELBO after at least 20 steps of the real trainer.
/// </summary>
[TestFixture]
public sealed class TrainingBitTests
{
    /// <summary>Training check × family, one test case each.</summary>
    public static IEnumerable<TestCaseData> Checks() =>
        DeviceAccelerators.Families.SelectMany(family => TrainingCheck.All
            .Select(c => new TestCaseData(family, c.Name).SetName($"TrainingMatchesCpu({family},{c.Name})")));

    /// <summary>Training state and ELBOs are bit-identical to the CPU's.</summary>
    [TestCaseSource(nameof(Checks))]
    public void TrainingMatchesCpu(string family, string name)
    {
        var check = TrainingCheck.All.Single(c => c.Name == name);
        Assert.That(check.Steps, Is.GreaterThanOrEqualTo(20), "a training check must run at least 20 steps");
        var device = DeviceAccelerators.Require(family);
        var result = new Verifier(DeviceAccelerators.Cpu, device).Check(check);
        Assert.That(result.Error, Is.Null, result.Describe());
        Assert.That(result.Identical, Is.True, result.Describe());
    }
}

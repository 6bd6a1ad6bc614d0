using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>
/// Whole training on OpenCL ends in the same bits as on the CPU: every parameter, every optimizer-state
/// value and each epoch's ELBO after at least 20 steps of the real trainer.
/// </summary>
[TestFixture]
public sealed class TrainingBitTests
{
    /// <summary>The training checks, one test case each.</summary>
    public static IEnumerable<TestCaseData> Checks() =>
        TrainingCheck.All.Select(c => new TestCaseData(c.Name).SetName($"TrainingMatchesCpu({c.Name})"));

    /// <summary>Training state and ELBOs are bit-identical on both accelerators.</summary>
    [TestCaseSource(nameof(Checks))]
    public void TrainingMatchesCpu(string name)
    {
        var check = TrainingCheck.All.Single(c => c.Name == name);
        Assert.That(check.Steps, Is.GreaterThanOrEqualTo(20), "a training check must run at least 20 steps");
        var device = OpenClTestDevice.Require();
        var result = new Verifier(OpenClTestDevice.Cpu, device).Check(check);
        Assert.That(result.Error, Is.Null, result.Describe());
        Assert.That(result.Identical, Is.True, result.Describe());
    }
}

using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>
/// Every kernel on OpenCL gives the same bits as on the CPU: one test per entry of
/// <see cref="KernelChecks.All"/> (random inputs and edge cases, all outputs compared whole).
/// </summary>
[TestFixture]
public sealed class KernelBitTests
{
    /// <summary>The check names, one test case each.</summary>
    public static IEnumerable<TestCaseData> Checks() =>
        KernelChecks.All.Select(c => new TestCaseData(c.Name).SetName($"OpenClMatchesCpu({c.Name})"));

    /// <summary>The kernel's outputs are bit-identical on both accelerators.</summary>
    [TestCaseSource(nameof(Checks))]
    public void OpenClMatchesCpu(string name)
    {
        var device = OpenClTestDevice.Require();
        var result = new Verifier(OpenClTestDevice.Cpu, device).Check(KernelChecks.Get(name));
        Assert.That(result.Error, Is.Null, result.Describe());
        Assert.That(result.ElementsCompared, Is.GreaterThan(0));
        Assert.That(result.Identical, Is.True, result.Describe());
    }
}

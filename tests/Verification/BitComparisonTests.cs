using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.Verification;

/// <summary><see cref="BitComparison"/> and the reports built on it (no device needed).</summary>
[TestFixture]
public sealed class BitComparisonTests
{
    /// <summary>ULP distance counts representable floats, with −0 and +0 one step apart.</summary>
    [Test]
    public void UlpDistanceCountsRepresentableSteps()
    {
        Assert.That(BitComparison.UlpDistance(1f, 1f), Is.Zero);
        Assert.That(BitComparison.UlpDistance(1f, MathF.BitIncrement(1f)), Is.EqualTo(1));
        Assert.That(BitComparison.UlpDistance(-0f, 0f), Is.EqualTo(1));
        Assert.That(BitComparison.UlpDistance(-float.Epsilon, float.Epsilon), Is.EqualTo(3));
        Assert.That(BitComparison.UlpDistance(2.0, Math.BitIncrement(Math.BitIncrement(2.0))), Is.EqualTo(2));
    }

    /// <summary>A mismatch report names the check, the output and index, both values and the distance.</summary>
    [Test]
    public void MismatchDescriptionNamesEverything()
    {
        var reference = new[] { CheckOutput.Of("s/y", [1f, 2f, 3f]) };
        var actual = new[] { CheckOutput.Of("s/y", [1f, MathF.BitIncrement(2f), 3f]) };
        var result = BitComparison.Compare("LinearForward/tanh", reference, actual);
        Assert.That(result.Identical, Is.False);
        Assert.That(result.DifferentElements, Is.EqualTo(1));
        Assert.That(result.Summary, Is.EqualTo("max 1 ULP (1 differ)"));
        Assert.That(result.Describe(), Does.Contain("LinearForward/tanh").And.Contain("s/y[1]").And.Contain("reference 2 (0x40000000)")
            .And.Contain("0x40000001").And.Contain("1 ULP apart"));
    }

    /// <summary>The CPU accelerator agrees with itself at another thread count (the checks' own sanity).</summary>
    [Test]
    public void CpuThreadCountsAgree()
    {
        using var one = new CpuAccelerator(1);
        using var two = new CpuAccelerator(2);
        var verifier = new Verifier(two, one);
        foreach (var name in new[] { "LinearForward/tanh", "BernoulliLogLikelihood", "SumRows" })
            Assert.That(verifier.Check(KernelChecks.Get(name)).Identical, Is.True, name);
    }
}

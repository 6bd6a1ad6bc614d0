using IlgpuVae.Engine.Accelerators.Cuda;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// Which code NVRTC is asked for, given the device's compute capability and what the NVRTC supports:
/// a CUBIN for the device's architecture, capped within its major version, else PTX for the newest
/// older architecture, else none.
/// </summary>
[TestFixture]
public sealed class CompileTargetTests
{
    /// <summary>What NVRTC 13.0 reports (Turing and newer).</summary>
    private static readonly int[] Nvrtc13 = [75, 80, 86, 87, 88, 89, 90, 100, 103, 110, 120, 121];

    /// <summary>What NVRTC 12.0 reported (before Blackwell).</summary>
    private static readonly int[] Nvrtc12 = [50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90];

    [TestCase(9, 0, "sm_90", TestName = "H100 and H200 get their own CUBIN")]
    [TestCase(8, 0, "sm_80", TestName = "A100 gets its own CUBIN")]
    [TestCase(12, 0, "sm_120", TestName = "a Blackwell workstation GPU gets its own CUBIN")]
    [TestCase(10, 1, "sm_100", TestName = "an architecture missing from the list gets the CUBIN of its major version")]
    [TestCase(13, 0, "compute_121", TestName = "a GPU newer than NVRTC gets PTX of the newest architecture")]
    public void WithNvrtc13(int major, int minor, string expected) => Assert.That(Choose(major, minor, Nvrtc13), Is.EqualTo(expected));

    [TestCase(9, 0, "sm_90")]
    [TestCase(8, 9, "sm_89")]
    [TestCase(10, 0, "compute_90", TestName = "B200 with NVRTC 12.0 gets PTX, compiled by the driver")]
    [TestCase(12, 0, "compute_90", TestName = "RTX 50 with NVRTC 12.0 gets PTX, compiled by the driver")]
    [TestCase(7, 1, "sm_70", TestName = "capped at the newest minor of its major version")]
    public void WithNvrtc12(int major, int minor, string expected) => Assert.That(Choose(major, minor, Nvrtc12), Is.EqualTo(expected));

    [Test]
    public void AGpuOlderThanNvrtcSupportsHasNoTarget()
    {
        var target = CompileTarget.Choose(7, 0, Nvrtc13, out string? reason);
        Assert.That(target, Is.Null);
        Assert.That(reason, Does.Contain("compute capability 7.0").And.Contain("sm_75"));
    }

    [Test]
    public void NoSupportedArchitectureHasNoTarget()
    {
        Assert.That(CompileTarget.Choose(9, 0, [], out string? reason), Is.Null);
        Assert.That(reason, Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public void TargetOptionSelectsCubinOrPtx()
    {
        Assert.That(new CompileTarget(90, true).Option, Is.EqualTo("--gpu-architecture=sm_90"));
        Assert.That(new CompileTarget(120, false).Option, Is.EqualTo("--gpu-architecture=compute_120"));
        Assert.That(CompileTarget.ArchitectureOf(10, 3), Is.EqualTo(103));
    }

    private static string Choose(int major, int minor, int[] supported)
    {
        var target = CompileTarget.Choose(major, minor, supported, out string? reason);
        Assert.That(target, Is.Not.Null, reason);
        Assert.That(reason, Is.Null);
        return target!.Value.Name;
    }
}

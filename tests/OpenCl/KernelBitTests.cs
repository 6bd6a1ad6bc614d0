using IlgpuVae.Engine.Accelerators.Device;
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

    /// <summary>The matrix-product checks, one test case per tile variant.</summary>
    public static IEnumerable<TestCaseData> GemmChecks() =>
        KernelChecks.All.Where(c => c.Name.StartsWith("Linear", StringComparison.Ordinal))
            .SelectMany(c => new[] { false, true }
                .Select(small => new TestCaseData(c.Name, small).SetName($"OpenClMatchesCpuWithTiles({c.Name},{(small ? "Small" : "Large")})")));

    /// <summary>
    /// Each matrix-product tile variant, forced for every shape (the size rule alone would leave some
    /// shapes untested on one variant), gives the CPU's bits: the tile never changes an FMA chain.
    /// </summary>
    [TestCaseSource(nameof(GemmChecks))]
    public void OpenClMatchesCpuWithTiles(string name, bool smallTiles)
    {
        var device = OpenClTestDevice.Require();
        var kernels = (DeviceKernels)device.Kernels;
        var usual = kernels.TileChoice;
        kernels.TileChoice = smallTiles ? GemmTileChoice.Small : GemmTileChoice.Large;
        try
        {
            var result = new Verifier(OpenClTestDevice.Cpu, device).Check(KernelChecks.Get(name));
            Assert.That(result.Error, Is.Null, result.Describe());
            Assert.That(result.Identical, Is.True, result.Describe());
        }
        finally
        {
            kernels.TileChoice = usual;
        }
    }
}

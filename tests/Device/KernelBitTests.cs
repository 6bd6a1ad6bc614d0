using IlgpuVae.Engine.Accelerators.Ilgpu;
using IlgpuVae.Engine.Verification;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// Every device kernel gives the same bits as the SIMD CPU kernel of its contract, on every ILGPU family:
/// one test per entry of <see cref="KernelChecks.All"/> (random inputs and edge cases, all outputs
/// compared whole) and family.
/// </summary>
[TestFixture]
public sealed class KernelBitTests
{
    /// <summary>Check name × family, one test case each.</summary>
    public static IEnumerable<TestCaseData> Checks() =>
        DeviceAccelerators.Families.SelectMany(family => KernelChecks.All
            .Select(c => new TestCaseData(family, c.Name).SetName($"MatchesCpu({family},{c.Name})")));

    /// <summary>The kernel's outputs are bit-identical to the CPU's.</summary>
    [TestCaseSource(nameof(Checks))]
    public void MatchesCpu(string family, string name)
    {
        var device = DeviceAccelerators.Require(family);
        var result = new Verifier(DeviceAccelerators.Cpu, device).Check(KernelChecks.Get(name));
        Assert.That(result.Error, Is.Null, result.Describe());
        Assert.That(result.ElementsCompared, Is.GreaterThan(0));
        Assert.That(result.Identical, Is.True, result.Describe());
    }

    /// <summary>The matrix-product checks × tile variant × family.</summary>
    public static IEnumerable<TestCaseData> GemmChecks() =>
        DeviceAccelerators.Families.SelectMany(family => KernelChecks.All
            .Where(c => c.Name.StartsWith("Linear", StringComparison.Ordinal))
            .SelectMany(c => new[] { nameof(GemmTileChoice.Large), nameof(GemmTileChoice.Small) }
                .Select(tiles => new TestCaseData(family, c.Name, tiles).SetName($"MatchesCpuWithTiles({family},{c.Name},{tiles})"))));

    /// <summary>
    /// Each matrix-product tile variant, forced for every shape (the size rule alone would leave some shapes
    /// untested on one variant), gives the CPU's bits: the tile never changes an FMA chain.
    /// </summary>
    [TestCaseSource(nameof(GemmChecks))]
    public void MatchesCpuWithTiles(string family, string name, string tiles)
    {
        var device = (IlgpuAccelerator)DeviceAccelerators.Require(family);
        var kernels = device.DeviceKernels;
        var usual = kernels.TileChoice;
        kernels.TileChoice = Enum.Parse<GemmTileChoice>(tiles);
        try
        {
            var result = new Verifier(DeviceAccelerators.Cpu, device).Check(KernelChecks.Get(name));
            Assert.That(result.Error, Is.Null, result.Describe());
            Assert.That(result.Identical, Is.True, result.Describe());
        }
        finally
        {
            kernels.TileChoice = usual;
        }
    }
}

using System.Text.RegularExpressions;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary><see cref="DeviceSources"/>: the program text both dialects are built from.</summary>
[TestFixture]
public sealed class DeviceSourcesTests
{
    /// <summary>Each dialect's program starts with its prelude and holds every kernel file.</summary>
    [TestCase(DeviceDialect.OpenCl, "#pragma OPENCL FP_CONTRACT OFF")]
    [TestCase(DeviceDialect.Cuda, "__fmaf_rn")]
    public void ProgramHoldsThePreludeAndEveryFile(DeviceDialect dialect, string preludeMark)
    {
        string program = DeviceSources.Build(dialect);
        Assert.That(program, Does.Contain(preludeMark));
        foreach (var file in DeviceSources.Headers.Concat(DeviceSources.KernelFiles))
            Assert.That(program, Does.Contain($"#line 1 \"{file}\""));
        Assert.That(program, Does.Contain($"#define GEMM_TILE {DeviceGeometry.GemmTile}"));
    }

    /// <summary>The matrix-product file is in the program once per tile size, each copy under its own names.</summary>
    [Test]
    public void TheTiledKernelsComeInBothTileSizes()
    {
        string program = DeviceSources.Build(DeviceDialect.Cuda);
        Assert.That(Regex.Matches(program, $"#line 1 \"{DeviceSources.TiledFile}\"").Count, Is.EqualTo(2));
        Assert.That(program, Does.Contain($"#define GEMM_TILE {DeviceGeometry.GemmSmallTile}"));
        Assert.That(program, Does.Not.Match(@"GEMM_NAME\(\w+\)"), "every name is instantiated");
        Assert.That(program, Does.Contain("void linear_forward(").And.Contain("void linear_forward_tile32("));
        Assert.That(program, Does.Contain("void gemm_core(").And.Contain("void gemm_core_tile32("), "helpers are per variant too");
    }

    /// <summary>The small tiles are used exactly when the 64 × 64 grid has fewer than two groups per compute unit.</summary>
    [TestCase(500, 100, 132, true, TestName = "784x500 layer at batch 100 on 132 SMs: 16 groups, small tiles")]
    [TestCase(500, 1024, 132, true, TestName = "batch 1024 on 132 SMs: 128 groups, small tiles")]
    [TestCase(500, 784, 2, false, TestName = "weight gradient on 2 compute units: 104 groups, large tiles")]
    [TestCase(500, 100, 2, false, TestName = "batch 100 on 2 compute units: 16 groups, large tiles")]
    [TestCase(40, 100, 2, true, TestName = "encoder head on 2 compute units: 2 groups, small tiles")]
    [TestCase(128, 128, 2, false, TestName = "exactly 4 groups on 2 compute units: large tiles")]
    [TestCase(128, 65, 4, true, TestName = "a partial tile counts as a group: 2 x 2 groups on 4 units, small tiles")]
    public void SmallTilesFillDevicesThatLargeTilesWouldNot(int cols, int rows, int computeUnits, bool small) =>
        Assert.That(DeviceGeometry.UseSmallGemmTile(cols, rows, computeUnits), Is.EqualTo(small));

    /// <summary>The entry points listed are exactly the KERNEL functions of the sources.</summary>
    [Test]
    public void KernelNamesMatchTheSources()
    {
        string program = DeviceSources.Build(DeviceDialect.OpenCl);
        var defined = Regex.Matches(program, @"^KERNEL void (\w+)\(", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.That(defined, Is.EqualTo(DeviceSources.KernelNames));
    }

    /// <summary>The device code uses only float literals and no host-math or relaxed functions that could differ between backends.</summary>
    [Test]
    public void KernelFilesAvoidNonDeterministicMath()
    {
        foreach (var file in DeviceSources.KernelFiles)
        {
            string text = Regex.Replace(DeviceSources.Read(file), @"/\*.*?\*/", "", RegexOptions.Singleline);
            text = Regex.Replace(text, @"0x[0-9a-fA-F.]+p[+-]?\d+f", "HEXFLOAT");
            Assert.That(text, Does.Not.Match(@"\b(exp|log|tanh|fmax|fmin|native_\w+|half_\w+|atomic\w*|atom_\w+)\s*\("), file);
            Assert.That(text, Does.Not.Match(@"\d\.\d*(?![\deEfp.])"), $"{file}: a double literal");
        }
    }
}

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

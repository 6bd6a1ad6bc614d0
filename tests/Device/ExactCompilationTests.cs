using System.Text.RegularExpressions;
using ILGPU.Runtime.Cuda;
using IlgpuVae.Engine.Accelerators.Ilgpu;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels.Device;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// The exact-compilation setup around ILGPU: every device kernel compiles to PTX for sm_80 and sm_90 without
/// a GPU and passes the engine's check (the CUDA path checked in CI), the OpenCL C of every kernel carries the
/// prelude and passes its check, and each check rejects what it exists to reject.
/// </summary>
[TestFixture]
public sealed class ExactCompilationTests
{
    private static IEnumerable<TestCaseData> PtxTargets() =>
        new[] { CudaArchitecture.SM_80, CudaArchitecture.SM_90 }.SelectMany(arch => DeviceKernelCatalog.All
            .Select(k => new TestCaseData(arch, k.Name).SetName($"PtxIsExact({arch},{k.Name})")));

    /// <summary>The kernel compiles to PTX with only round-to-nearest float arithmetic, explicit FMAs and no undefined calls.</summary>
    [TestCaseSource(nameof(PtxTargets))]
    public void PtxIsExact(CudaArchitecture architecture, string name)
    {
        using var context = ExactCompilation.CreateContext(_ => { });
        var kernel = DeviceKernelCatalog.All.Single(k => k.Name == name).Method;
        var (ptx, problems) = ExactCompilation.CompilePtx(context, kernel, architecture, CudaInstructionSet.ISA_78);
        Assert.That(problems, Is.Empty);
        Assert.That(ptx, Does.Contain(".version 7.8").And.Contain(".entry"));
        Assert.That(Regex.IsMatch(ptx, @"\b(add|sub|mul|fma)\.rn\.f32\b"), Is.True, "float arithmetic in its .rn form");
        if (name.StartsWith("Linear", StringComparison.Ordinal) && name != "LinearBackwardBias")
            Assert.That(Regex.Matches(ptx, @"\bfma\.rn\.f32\b").Count, Is.GreaterThanOrEqualTo(4), "the FMA chain is fma.rn.f32");
    }

    /// <summary>The PTX check rejects every form that could change a result, and accepts the exact ones.</summary>
    [TestCase("add.f32 %f1, %f2, %f3;", "without .rn")]
    [TestCase("mul.f32 %f1, %f2, %f3;", "without .rn")]
    [TestCase("@%p1 sub.f32 %f1, %f2, %f3;", "without .rn")]
    [TestCase("fma.f32 %f1, %f2, %f3, %f4;", "without .rn")]
    [TestCase("div.full.f32 %f1, %f2, %f3;", ".full form")]
    [TestCase("div.approx.f32 %f1, %f2, %f3;", ".approx form")]
    [TestCase("add.rn.ftz.f32 %f1, %f2, %f3;", ".ftz form")]
    [TestCase("ex2.approx.f32 %f1, %f2;", "approximate")]
    [TestCase("tanh.approx.f32 %f1, %f2;", "approximate")]
    [TestCase("mad.rn.f32 %f1, %f2, %f3, %f4;", "fusable")]
    [TestCase("add.rn.f64 %fd1, %fd2, %fd3;", "double arithmetic")]
    [TestCase("cvt.f64.u32 %fd1, %r1;", "conversion through double")]
    [TestCase("call.uni (retval0), expf, (param0);", "does not define")]
    public void ThePtxCheckRejects(string instruction, string expected)
    {
        var problems = CompiledKernelChecks.CheckPtx($".version 7.8\n.target sm_80\n.visible .entry k()\n{{\n\t{instruction}\n\tret;\n}}\n");
        Assert.That(problems, Has.Some.Contain(expected));
    }

    /// <summary>Exact instructions and calls of the module's own functions pass.</summary>
    [Test]
    public void ThePtxCheckAcceptsExactCode()
    {
        const string ptx = ".version 7.8\n.target sm_80\n.func (.param .f32 r) helper(.param .f32 a)\n{\n\tret;\n}\n" +
            ".visible .entry k()\n{\n\tadd.rn.f32 %f1, %f2, %f3;\n\tfma.rn.f32 %f1, %f2, %f3, %f4;\n\tdiv.rn.f32 %f1, %f2, %f3;\n" +
            "\tsqrt.rn.f32 %f1, %f2;\n\tneg.f32 %f1, %f2;\n\tsetp.gt.f32 %p1, %f1, %f2;\n\tcvt.rn.f32.s32 %f1, %r1;\n" +
            "\tld.global.f32 %f1, [%rd1];\n\tcall.uni (retval0), helper, (param0);\n\tret;\n}\n";
        Assert.That(CompiledKernelChecks.CheckPtx(ptx), Is.Empty);
    }

    /// <summary>A call of an external function that is only declared (PTX that cannot load) is rejected.</summary>
    [Test]
    public void ThePtxCheckRejectsCallsOfDeclaredOnlyFunctions()
    {
        const string ptx = ".extern .func (.param .f32 r) fmaf(.param .f32 a)\n;\n.visible .entry k()\n{\n\tcall.uni (retval0), fmaf, (param0);\n}\n";
        Assert.That(CompiledKernelChecks.CheckPtx(ptx), Has.Some.Contain("fmaf"));
    }

    /// <summary>The OpenCL check rejects contraction left on, inexact built-ins and doubles.</summary>
    [TestCase("kernel void k(global float* x) { x[0] = x[0] * 2.0f; }", "FP_CONTRACT OFF")]
    [TestCase(OpenClExactBuild.Prelude + "kernel void k(global float* x) { x[0] = exp(x[0]); }", "exp()")]
    [TestCase(OpenClExactBuild.Prelude + "kernel void k(global float* x) { x[0] = native_sin(x[0]); }", "native_sin()")]
    [TestCase(OpenClExactBuild.Prelude + "kernel void k(global float* x) { x[0] = fmax(x[0], 0.0f); }", "fmax()")]
    [TestCase(OpenClExactBuild.Prelude + "kernel void k(global float* x) { double d = x[0]; x[0] = (float)d; }", "double")]
    public void TheOpenClCheckRejects(string source, string expected)
    {
        Assert.That(CompiledKernelChecks.CheckOpenCl(source), Has.Some.Contain(expected));
        Assert.That(CompiledKernelChecks.CheckOpenCl(OpenClExactBuild.Prelude + "kernel void k(global float* x) { x[0] = fma(x[0], 2.0f, sqrt(x[0])) / 3.0f; }"), Is.Empty);
    }

    /// <summary>
    /// On an OpenCL device every kernel's source starts with the prelude (contraction off, the canonical NaN,
    /// the full barrier), calls fma for the contracts' FMAs and passes the check.
    /// </summary>
    [Test]
    public void EveryOpenClKernelCarriesThePreludeAndPassesTheCheck()
    {
        var device = (IlgpuAccelerator)DeviceAccelerators.Require("opencl");
        var accelerator = (ILGPU.Runtime.OpenCL.CLAccelerator)device.Device.Accelerator;
        bool generic = device.Device.GenericAddressSpace;
        foreach (var (name, method) in DeviceKernelCatalog.All)
        {
            var (source, problems) = ExactCompilation.CompileOpenCl(accelerator, method, generic);
            Assert.That(problems, Is.Empty, name);
            Assert.That(source, Does.StartWith(OpenClExactBuild.Prelude), name);
            if (name.StartsWith("LinearForward", StringComparison.Ordinal)) Assert.That(source, Does.Contain("fma ("), name);
        }
    }

    /// <summary>Every kernel of the catalogue has a unique name, and the matrix products come in both tile sizes.</summary>
    [Test]
    public void TheCatalogueNamesEveryKernelOnce()
    {
        var names = DeviceKernelCatalog.All.Select(k => k.Name).ToList();
        Assert.That(names, Is.Unique);
        Assert.That(names, Has.Count.EqualTo(18));
        foreach (var product in new[] { "LinearForward", "LinearBackwardData", "LinearBackwardWeights" })
            Assert.That(names, Does.Contain(product).And.Contain(product + ".Tile32"));
    }
}

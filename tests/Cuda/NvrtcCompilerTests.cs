using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cuda;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// NVRTC in exact mode: the option list (checked everywhere), and, where NVRTC is installed (no GPU
/// needed), that the program compiles with it, that the code it yields keeps IEEE division, square
/// root and subnormals, and that a broken source fails with the compile log in the message.
/// </summary>
[TestFixture]
public sealed class NvrtcCompilerTests
{
    [Test]
    public void ExactModeOptionsAreExactlyThese()
    {
        Assert.That(NvrtcCompiler.Options(new CompileTarget(90, true)), Is.EqualTo(new[]
        {
            "--gpu-architecture=sm_90",
            "--fmad=false",
            "--prec-div=true",
            "--prec-sqrt=true",
            "--ftz=false",
            "--std=c++17",
            "--device-as-default-execution-space",
        }));
        Assert.That(NvrtcCompiler.Options(new CompileTarget(120, false))[0], Is.EqualTo("--gpu-architecture=compute_120"));
    }

    [Test]
    public void NoOptionRelaxesFloatingPoint()
    {
        foreach (var option in NvrtcCompiler.Options(new CompileTarget(90, true)))
        {
            Assert.That(option, Does.Not.Contain("fast"), "no --use_fast_math in any spelling");
            Assert.That(option, Is.Not.AnyOf("--fmad=true", "--ftz=true", "--prec-div=false", "--prec-sqrt=false", "-fmad=true", "-ftz=true"));
        }
    }

    [Test]
    public void CompileLogHeadIsCappedAndCountsTheRest()
    {
        string log = string.Join("\n", Enumerable.Range(1, 25).Select(i => $"ilgpuvae.cu({i}): error: line {i}"));
        var lines = NvrtcCompiler.LogHead(log).Split(Environment.NewLine);
        Assert.That(lines, Has.Length.EqualTo(NvrtcCompiler.LogLinesInMessage + 1));
        Assert.That(lines[0], Is.EqualTo("ilgpuvae.cu(1): error: line 1"));
        Assert.That(lines[^1], Is.EqualTo("... (5 more lines)"));
        Assert.That(NvrtcCompiler.LogHead(""), Is.EqualTo("(empty log)"));
    }

    [Test]
    public void TheProgramCompilesToPtxWithoutApproximationsOrFlushToZero()
    {
        CudaTestEnvironment.RequireNvrtc();
        var archs = NvrtcCompiler.SupportedArchitectures();
        var target = new CompileTarget(archs.Contains(90) ? 90 : archs[^1], Cubin: false);
        byte[] ptx = NvrtcCompiler.Compile(DeviceSources.Build(DeviceDialect.Cuda), NvrtcCompiler.Options(target), target);
        string text = System.Text.Encoding.ASCII.GetString(ptx).TrimEnd('\0');
        Assert.That(ptx[^1], Is.EqualTo(0), "PTX is handed to the driver NUL-terminated");
        Assert.That(text, Does.Contain(".target " + target.Name.Replace("compute_", "sm_")));
        foreach (var name in DeviceKernelNames.All) Assert.That(text, Does.Contain($".entry {name}("), "unmangled entry point " + name);
        Assert.That(text, Does.Contain("fma.rn.f32"));
        Assert.That(text, Does.Not.Contain(".approx"), "no approximate division, square root or transcendental");
        Assert.That(text, Does.Not.Contain(".ftz"), "subnormals are never flushed");
    }

    [Test]
    public void TheProgramCompilesToACubinForEachSupportedMajorVersion()
    {
        CudaTestEnvironment.RequireNvrtc();
        string source = DeviceSources.Build(DeviceDialect.Cuda);
        foreach (int arch in NvrtcCompiler.SupportedArchitectures().GroupBy(a => a / 10).Select(g => g.Max()))
        {
            var target = new CompileTarget(arch, Cubin: true);
            byte[] cubin = NvrtcCompiler.Compile(source, NvrtcCompiler.Options(target), target);
            Assert.That(cubin.Take(4), Is.EqualTo(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F' }), target.Name + " is an ELF image");
        }
    }

    [Test]
    public void ABrokenSourceFailsWithTheCompileLog()
    {
        CudaTestEnvironment.RequireNvrtc();
        var target = new CompileTarget(NvrtcCompiler.SupportedArchitectures()[^1], Cubin: false);
        var e = Assert.Throws<AcceleratorUnavailableException>(() =>
            NvrtcCompiler.Compile("extern \"C\" __global__ void broken(float* x) { x[0] = undefined_name; }", NvrtcCompiler.Options(target), target));
        Assert.That(e!.Message, Does.Contain("compiling the CUDA kernels for " + target.Name));
        Assert.That(e.Message, Does.Contain(NvrtcCompiler.ProgramName).And.Contain("undefined_name"));
    }
}

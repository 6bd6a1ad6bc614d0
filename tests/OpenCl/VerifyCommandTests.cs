using System.Globalization;
using IlgpuVae.Engine.Accelerators.OpenCl;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.OpenCl;

/// <summary>`ilgpuvae verify` and `ilgpuvae kernels-source` through the command line.</summary>
[TestFixture]
public sealed class VerifyCommandTests
{

    /// <summary>On OpenCL every kernel row says identical and the exit code is 0.</summary>
    [Test]
    public void VerifyOpenClPrintsATableAndSucceeds()
    {
        var device = (OpenClAccelerator)OpenClTestDevice.Require();
        var (code, output, error) = Run("verify", "--accelerator", "opencl", "--device", device.DeviceIndex.ToString(CultureInfo.InvariantCulture), "--skip-training");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error);
        Assert.That(output, Does.StartWith("check"));
        foreach (var check in Engine.Verification.KernelChecks.All)
            Assert.That(output, Does.Match($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(check.Name)}\s+\d+\s+identical$"));
        Assert.That(output, Does.Contain($"all {Engine.Verification.KernelChecks.All.Count} checks identical"));
    }

    /// <summary>`verify -a cpu` compares one CPU thread against all cores.</summary>
    [Test]
    public void VerifyCpuAgainstItselfSucceeds()
    {
        var (code, output, error) = Run("verify", "-a", "cpu", "--skip-training");
        Assert.That(code, Is.EqualTo(ExitCodes.Success), output + error);
        Assert.That(error, Does.Contain("CPU (1 thread"));
    }

    /// <summary>A device that does not exist is exit code 4 with a one-line reason.</summary>
    [Test]
    public void VerifyMissingDeviceIsAnAcceleratorFailure()
    {
        var (code, _, error) = Run("verify", "-a", "opencl", "--device", "99");
        Assert.That(code, Is.EqualTo(ExitCodes.AcceleratorFailure), error);
        Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    /// <summary>
    /// kernels-source prints the program the accelerators compile, checked against the repository's files
    /// rather than against the function that assembles it: the dialect's prelude first, then every header and
    /// kernel file of src/Kernels/Device, each after a #line marker naming it, and a KERNEL definition for
    /// every entry point of the engine (with both tile sizes of the matrix kernels).
    /// </summary>
    [TestCase("cuda", "prelude_cuda.h")]
    [TestCase("opencl", "prelude_opencl.h")]
    public void KernelsSourcePrintsTheProgram(string name, string prelude)
    {
        var (code, output, _) = Run("kernels-source", "--dialect", name);
        Assert.That(code, Is.EqualTo(ExitCodes.Success));
        string folder = Embedding.RepositoryFiles.Resolve("src/Kernels/Device");
        string Text(string file) => File.ReadAllText(Path.Combine(folder, file)).Replace("\r\n", "\n");
        int preludeAt = output.IndexOf($"#line 1 \"{prelude}\"\n{Text(prelude)}", StringComparison.Ordinal);
        Assert.That(preludeAt, Is.GreaterThan(0).And.LessThan(200), "the prelude comes first, after the title comment");
        string other = prelude == "prelude_cuda.h" ? "prelude_opencl.h" : "prelude_cuda.h";
        Assert.That(output, Does.Not.Contain($"#line 1 \"{other}\""), "one dialect's prelude only");
        foreach (string file in Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Where(f => !f.StartsWith("prelude_")))
        {
            Assert.That(output, Does.Contain($"#line 1 \"{file}\"\n"), file);
            if (!Text(file).Contains("GEMM_NAME(")) Assert.That(output, Does.Contain(Text(file)), $"{file} verbatim");
        }
        var defined = System.Text.RegularExpressions.Regex.Matches(output, @"^KERNEL void (\w+)\(", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToList();
        string[] matrix = ["linear_forward", "linear_backward_data", "linear_backward_weights"];
        string[] others = ["linear_backward_bias", "sample_latent", "gaussian_kl", "latent_backward", "bernoulli_loglik", "gaussian_loglik",
            "elbo_rows", "sum_rows", "optimizer_update", "gather_batch", "importance_log_weights", "log_mean_exp"];
        Assert.That(defined, Is.SupersetOf(matrix.Concat(matrix.Select(k => k + "_tile32")).Concat(others)));
        Assert.That(defined, Is.Unique);
    }
}

using System.Diagnostics;
using System.Text.RegularExpressions;
using ILGPU.Runtime.Cuda;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels.Device;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// The PTX of every kernel is real, loadable code and nothing in it gets contracted: NVIDIA's assembler
/// (ptxas of CUDA 11.8, installed without a GPU by scripts/install-ptxas.sh) assembles it for sm_80 and
/// sm_90, and for sm_90 the SASS has the same float instructions (FFMA, FMUL, FADD) with ptxas' default
/// contraction as with --fmad=false. Ignored where ptxas is missing, failed instead where
/// ILGPUVAE_REQUIRE_PTXAS=1 (CI).
/// </summary>
[TestFixture]
public sealed class PtxAssemblerTests
{
    private string _dir = "";
    private string _ptxas = "";

    [OneTimeSetUp]
    public void FindPtxas()
    {
        string? candidate = Environment.GetEnvironmentVariable("ILGPUVAE_PTXAS");
        if (string.IsNullOrEmpty(candidate))
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null && candidate is null; dir = dir.Parent)
            {
                string installed = Path.Combine(dir.FullName, ".build", "ptxas", "usr", "bin", "ptxas");
                if (File.Exists(installed)) candidate = installed;
            }
        }
        if (candidate is null || !File.Exists(candidate))
        {
            const string reason = "needs ptxas: run scripts/install-ptxas.sh (or set ILGPUVAE_PTXAS)";
            if (Environment.GetEnvironmentVariable("ILGPUVAE_REQUIRE_PTXAS") == "1") Assert.Fail($"ILGPUVAE_REQUIRE_PTXAS=1 but it {reason}");
            Assert.Ignore(reason);
        }
        _ptxas = candidate;
        _dir = Directory.CreateTempSubdirectory("ilgpuvae-ptx-").FullName;
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    private static IEnumerable<TestCaseData> Targets() =>
        new[] { CudaArchitecture.SM_80, CudaArchitecture.SM_90 }.Select(arch => new TestCaseData(arch).SetName($"EveryKernelAssembles({arch})"));

    /// <summary>ptxas assembles every kernel; for sm_90 its float instructions are the same with and without contraction.</summary>
    [TestCaseSource(nameof(Targets))]
    public void EveryKernelAssembles(CudaArchitecture architecture)
    {
        string arch = $"sm_{architecture.Major}{architecture.Minor}";
        bool compareContraction = architecture == CudaArchitecture.SM_90;
        using var context = ExactCompilation.CreateContext(_ => { });
        var failures = new List<string>();
        Parallel.ForEach(DeviceKernelCatalog.All, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, kernel =>
        {
            string ptx;
            lock (context) ptx = ExactCompilation.CompilePtx(context, kernel.Method, architecture, CudaInstructionSet.ISA_78).Ptx;
            string file = Path.Combine(_dir, $"{arch}-{kernel.Name}.ptx");
            File.WriteAllText(file, ptx);
            var (code, output) = Tool(_ptxas, $"-arch={arch} -o {file}.cubin {file}");
            if (code != 0)
            {
                lock (failures) failures.Add($"{kernel.Name}: ptxas exit {code}: {output}");
                return;
            }
            if (!compareContraction) return;
            Tool(_ptxas, $"-arch={arch} --fmad=false -o {file}.nofmad.cubin {file}");
            string with = FloatInstructions($"{file}.cubin"), without = FloatInstructions($"{file}.nofmad.cubin");
            if (with != without)
                lock (failures) failures.Add($"{kernel.Name}: ptxas contracted float operations (SASS {with} by default, {without} with --fmad=false)");
        });
        Assert.That(failures, Is.Empty);
    }

    /// <summary>FFMA, FMUL and FADD counts of a cubin's SASS, e.g. "FADD 12, FFMA 40, FMUL 9".</summary>
    private string FloatInstructions(string cubin)
    {
        var (_, sass) = Tool(Path.Combine(Path.GetDirectoryName(_ptxas)!, "cuobjdump"), $"-sass {cubin}");
        return string.Join(", ", Regex.Matches(sass, @"\b(FFMA|FMUL|FADD)\b").GroupBy(m => m.Value).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));
    }

    private static (int Code, string Output) Tool(string path, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(path, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr);
    }
}

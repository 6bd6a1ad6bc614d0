using System.Diagnostics;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Device;

/// <summary>
/// The CUDA dialect compiles, without a GPU: scripts/check-cuda-dialect.sh with the program exactly as
/// <see cref="DeviceSources"/> builds it. Ignored where clang-14 or the script (a bundle without the
/// repository) is missing.
/// </summary>
[TestFixture]
public sealed class CudaDialectTests
{
    /// <summary>clang-14 compiles every kernel of the CUDA program to PTX.</summary>
    [Test]
    public void CudaProgramCompilesWithClang()
    {
        string? script = FindScript();
        if (script is null) Assert.Ignore("scripts/check-cuda-dialect.sh is not next to this build (no repository checkout)");
        if (!OnPath("clang-14")) Assert.Ignore("clang-14 is not installed");

        string program = Path.Combine(Path.GetTempPath(), $"ilgpuvae-cuda-{Environment.ProcessId}.cu");
        File.WriteAllText(program, DeviceSources.Build(DeviceDialect.Cuda));
        try
        {
            var info = new ProcessStartInfo("bash", [script!, program]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.Zero, stdout + stderr.Result);
            Assert.That(stdout, Does.Contain($"{DeviceSources.KernelNames.Count} kernels"));
        }
        finally
        {
            File.Delete(program);
        }
    }

    private static string? FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "scripts", "check-cuda-dialect.sh");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, program)));
}

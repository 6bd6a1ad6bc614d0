using System.Diagnostics;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Faults of the storage, named for what they are: a full disk is exit code 6 (not "bad input") with what is
/// kept and how to go on, and a read-only file system is said to be one (not "another process holds the
/// lock"). The end-to-end test runs the built program in a private mount namespace on a small tmpfs that it
/// fills, then remounts read-only; it is skipped where no such namespace can be made.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class StorageFaultTests
{
    /// <summary>A real "no space left on device" (writing to /dev/full) becomes exit code 6 with the fault named.</summary>
    [Test]
    public void ADiskFullErrorIsExitCode6()
    {
        if (!File.Exists("/dev/full")) Assert.Ignore("no /dev/full on this system");
        IOException? fault = null;
        try
        {
            File.WriteAllBytes("/dev/full", new byte[4096]);
        }
        catch (IOException e)
        {
            fault = e;
        }
        Assert.That(fault, Is.Not.Null, "writing to /dev/full fails");
        var stderr = new StringWriter();
        Assert.That(Cli.Report(fault!, stderr), Is.EqualTo(ExitCodes.StorageFailure));
        Assert.That(stderr.ToString(), Does.StartWith("ilgpuvae: no space left on device:").And.Contain("what was saved before is kept"));
        Assert.That(stderr.ToString().Trim().Split('\n'), Has.Length.EqualTo(1));
    }

    /// <summary>
    /// On a 1 MiB tmpfs: a run trains one epoch; the disk is filled; the resumed run fails with exit code 6, its
    /// checkpoint unchanged; once there is space it resumes to the end. Remounted read-only, resume and a new run
    /// say "read-only file system" with exit code 2.
    /// </summary>
    [Test]
    public void AFullAndAReadOnlyFileSystemAreNamedAndLoseNothing()
    {
        RunnerProcess.Require();
        if (!OperatingSystem.IsLinux()) Assert.Ignore("mount namespaces are Linux");
        var (host, dll) = RunnerProcess.Locate();
        string dir = TinyTraining.NewFolder();
        try
        {
            string data = SyntheticIdx.WriteDataset(Path.Combine(dir, "data"), 200, 40, 4, 4, labels: false);
            string mount = Path.Combine(dir, "mnt");
            Directory.CreateDirectory(mount);
            string script = Path.Combine(dir, "faults.sh");
            File.WriteAllText(script, $$"""
                set -u
                m='{{mount}}'
                mount -t tmpfs -o size=1m tmpfs "$m" || { echo "NO-MOUNT"; exit 0; }
                t() { '{{host}}' '{{dll}}' train "$@" -q 2>"$m/../err.txt"; echo "CODE $? $(tr '\n' ' ' < "$m/../err.txt")"; }
                t --data '{{data}}' --hidden 100 --latent 2 --batch-size 20 --accelerator cpu --epochs 1 --out "$m/run"
                before=$(sha256sum < "$m/run/model.ckpt")
                head -c 8192 /dev/zero > "$m/spare"
                dd if=/dev/zero of="$m/filler" bs=4096 2>/dev/null
                rm "$m/spare"
                t --resume "$m/run" --epochs 3 --accelerator cpu
                [ "$(sha256sum < "$m/run/model.ckpt")" = "$before" ] && echo "KEPT" || echo "CHANGED"
                rm "$m/filler"
                t --resume "$m/run" --epochs 3 --accelerator cpu
                echo "LINES $(wc -l < "$m/run/metrics.jsonl")"
                mount -o remount,ro "$m"
                t --resume "$m/run" --epochs 4 --accelerator cpu
                t --data '{{data}}' --hidden 8 --latent 2 --batch-size 20 --accelerator cpu --epochs 1 --out "$m/new"
                """);
            string[] lines = RunIsolated(script);
            TestContext.Out.WriteLine(string.Join('\n', lines));
            var codes = lines.Where(l => l.StartsWith("CODE ", StringComparison.Ordinal)).ToArray();
            Assert.That(codes, Has.Length.EqualTo(5), string.Join('\n', lines));
            Assert.That(codes[0], Does.StartWith("CODE 0"), "the first epoch");
            Assert.That(codes[1], Does.StartWith("CODE 6 ilgpuvae: ").And.Contain("no space left on device").And.Contain("model.ckpt (step 10) and everything saved before are kept")
                .And.Contain("continue with: ilgpuvae train --resume"), "disk full");
            Assert.That(lines, Does.Contain("KEPT"), "the checkpoint before the fault is unchanged");
            Assert.That(codes[2], Does.StartWith("CODE 0"), "with space again, the run continues");
            Assert.That(lines, Does.Contain("LINES 3"), "every epoch once");
            Assert.That(codes[3], Does.StartWith("CODE 2 ilgpuvae: ").And.Contain("read-only file system").And.Not.Contain("another ilgpuvae process"));
            Assert.That(codes[4], Does.StartWith("CODE 2 ilgpuvae: ").And.Contain("read-only file system"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Runs <paramref name="script"/> with bash in a private mount namespace; ignores the test where none can be made.</summary>
    private static string[] RunIsolated(string script)
    {
        // As root a mount namespace needs nothing more; otherwise a user namespace maps this user to root in it.
        foreach (string[] prefix in new[] { new[] { "--mount", "--propagation", "private" }, ["--map-root-user", "--mount"] })
        {
            var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in prefix) start.ArgumentList.Add(a);
            start.ArgumentList.Add("bash");
            start.ArgumentList.Add(script);
            Process process;
            try
            {
                process = Process.Start(start)!;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Assert.Ignore("no `unshare` to make a private mount namespace for a small file system");
                throw;
            }
            using (process)
            {
                var stderr = process.StandardError.ReadToEndAsync();
                string output = process.StandardOutput.ReadToEnd();
                if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
                {
                    process.Kill(entireProcessTree: true);
                    Assert.Fail("the storage fault script did not finish in 3 minutes");
                }
                if (process.ExitCode == 0 && !output.Contains("NO-MOUNT", StringComparison.Ordinal))
                    return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                TestContext.Out.WriteLine($"unshare {string.Join(' ', prefix)}: exit {process.ExitCode}; {stderr.Result.Trim()} {output.Trim()}");
            }
        }
        Assert.Ignore("cannot make a private mount namespace with a tmpfs here (unshare and mount need CAP_SYS_ADMIN or user namespaces)");
        return [];
    }
}

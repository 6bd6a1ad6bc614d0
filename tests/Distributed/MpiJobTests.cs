using System.Diagnostics;
using IlgpuVae.Engine.Distributed.Mpi;
using IlgpuVae.Tests.Data;
using IlgpuVae.Tests.Embedding;
using IlgpuVae.Tests.Reliability;
using NUnit.Framework;

namespace IlgpuVae.Tests.Distributed;

/// <summary>
/// The program under an MPI launcher: how a launch is recognised, the refusals (no library, a launcher of
/// another MPI, srun without a process manager, commands that run as one process), and a real two-rank
/// `train` under MPICH's mpiexec writing the bytes of one process. The mpiexec test needs MPICH
/// (apt-get install mpich) and is skipped without it, unless ILGPUVAE_REQUIRE_MPI=1 (CI) makes that a failure.
/// </summary>
[TestFixture]
public sealed class MpiJobTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] values) =>
        name => values.FirstOrDefault(v => v.Name == name).Value;

    [Test]
    public void LaunchesAreReadFromTheEnvironment()
    {
        Assert.Multiple(() =>
        {
            Assert.That(MpiLaunch.Detect(Env()), Is.Null, "no launcher");
            Assert.That(MpiLaunch.Detect(Env(("PMI_SIZE", "4"), ("PMI_RANK", "2"))), Is.EqualTo(new MpiLaunch("mpiexec", 4, 2, true)), "Hydra");
            Assert.That(MpiLaunch.Detect(Env(("OMPI_COMM_WORLD_SIZE", "8"), ("OMPI_COMM_WORLD_RANK", "0"))), Is.EqualTo(new MpiLaunch("Open MPI's mpirun", 8, 0, true)), "Open MPI");
            Assert.That(MpiLaunch.Detect(Env(("PMIX_RANK", "3"), ("SLURM_STEP_ID", "0"), ("SLURM_PROCID", "3"), ("SLURM_STEP_NUM_TASKS", "16"))),
                Is.EqualTo(new MpiLaunch("srun", 16, 3, true)), "srun --mpi=pmix");
            Assert.That(MpiLaunch.Detect(Env(("SLURM_STEP_ID", "0"), ("SLURM_PROCID", "1"), ("SLURM_STEP_NUM_TASKS", "4"))),
                Is.EqualTo(new MpiLaunch("srun", 4, 1, false)), "srun without --mpi");
            Assert.That(MpiLaunch.Detect(Env(("SLURM_JOB_ID", "7"), ("SLURM_NTASKS", "4"))), Is.Null, "a batch script's own shell is one process");
            Assert.That(MpiLaunch.Detect(Env(("PMI_SIZE", "1"), ("PMI_RANK", "0")))!.IsParallel, Is.False, "mpiexec -n 1");
        });
    }

    [Test]
    public void AMissingLibraryNamesThePackageToInstall()
    {
        var e = Assert.Throws<MpiUnavailableException>(() => MpiLibrary.Load(Env(), ["libilgpuvae-no-such-mpi.so.12"]));
        Assert.That(e!.Message, Does.Contain("apt-get install mpich").And.Contain("libilgpuvae-no-such-mpi.so.12").And.Not.Contain("\n"));
        var named = Assert.Throws<MpiUnavailableException>(() => MpiLibrary.Load(Env((MpiLibrary.LibraryVariable, "/no/such/libmpi.so")), ["x"]));
        Assert.That(named!.Message, Does.Contain(MpiLibrary.LibraryVariable).And.Contain("/no/such/libmpi.so"));
    }

    private static ChildProcess.Result Runner(IDictionary<string, string?> environment, params string[] args) =>
        ChildProcess.Run("ilgpuvae", args, TimeSpan.FromMinutes(2), environment);

    /// <summary>Refusals that need no second process: each exits with its code and one line, and trains nothing.</summary>
    [Test]
    public void WhatCannotRunAsOneJobIsRefused()
    {
        string dir = TinyTraining.NewFolder();
        try
        {
            string data = SyntheticIdx.WriteDataset(Path.Combine(dir, "data"), 60, 10, 4, 4, labels: false);
            string[] train = ["train", "--data", data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "-q", "--out", Path.Combine(dir, "run")];
            var srun = Runner(new Dictionary<string, string?> { ["SLURM_STEP_ID"] = "0", ["SLURM_PROCID"] = "0", ["SLURM_STEP_NUM_TASKS"] = "4" }, train);
            Assert.That(srun.ExitCode, Is.EqualTo(7), srun.ToString());
            Assert.That(srun.Err, Does.Contain("--mpi=pmi2"), srun.ToString());
            var eval = Runner(new Dictionary<string, string?> { ["PMI_SIZE"] = "2", ["PMI_RANK"] = "0" }, "eval", "--model", dir);
            Assert.That(eval.ExitCode, Is.EqualTo(2), eval.ToString());
            Assert.That(eval.Err, Does.Contain("runs as one process"), eval.ToString());
            // Open MPI's mpirun around a program that finds MPICH (or no MPI at all): N unrelated processes, refused.
            var mismatch = Runner(new Dictionary<string, string?> { ["OMPI_COMM_WORLD_SIZE"] = "2", ["OMPI_COMM_WORLD_RANK"] = "0" }, train);
            Assert.That(mismatch.ExitCode, Is.EqualTo(7), mismatch.ToString());
            Assert.That(mismatch.Err.Trim().Split('\n'), Has.Length.EqualTo(1), mismatch.ToString());
            Assert.That(mismatch.Err.Contains("sees 1") || mismatch.Err.Contains("apt-get install mpich"), Is.True, mismatch.ToString());
            Assert.That(Directory.Exists(Path.Combine(dir, "run")), Is.False, "nothing was trained");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>mpiexec -n 2 `train` writes the checkpoint of one process, byte for byte.</summary>
    [Test]
    public void TwoRanksUnderMpiexecWriteTheBytesOfOneProcess()
    {
        string? mpiexec = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "mpiexec")).FirstOrDefault(File.Exists);
        if (mpiexec is null)
        {
            const string reason = "needs MPICH's mpiexec (apt-get install mpich)";
            if (Environment.GetEnvironmentVariable("ILGPUVAE_REQUIRE_MPI") == "1") Assert.Fail(reason);
            Assert.Ignore(reason);
        }
        var (host, dll) = RunnerProcess.Locate();
        if (host is null || dll is null) Assert.Ignore("the runner cannot be started from these tests");
        string dir = TinyTraining.NewFolder();
        try
        {
            string data = SyntheticIdx.WriteDataset(Path.Combine(dir, "data"), 200, 40, 4, 4, labels: false);
            string[] Train(string run) => ["train", "--data", data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--batch-parts", "4",
                "--epochs", "2", "--accelerator", "cpu", "-q", "--out", Path.Combine(dir, run)];
            var one = IlgpuVae.Tests.CommandLine.CliRun.Run(Train("one"));
            Assert.That(one.Code, Is.EqualTo(0), one.Err);
            var start = new ProcessStartInfo(mpiexec) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { "-n", "2", host!, dll! }.Concat(Train("two"))) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var err = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEndAsync();
            Assert.That(process.WaitForExit(TimeSpan.FromMinutes(2)), Is.True, "mpiexec did not finish");
            Assert.That(process.ExitCode, Is.EqualTo(0), $"{output.Result}\n{err.Result}");
            Assert.That(File.ReadAllBytes(Path.Combine(dir, "two", "model.ckpt")), Is.EqualTo(File.ReadAllBytes(Path.Combine(dir, "one", "model.ckpt"))));
            Assert.That(output.Result.Split('\n').Count(l => l.StartsWith("epoch ", StringComparison.Ordinal)), Is.EqualTo(2), "rank 0 alone prints the epochs");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

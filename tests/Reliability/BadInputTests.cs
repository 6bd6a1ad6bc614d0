using System.Diagnostics;
using System.Text;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Inputs that used to hang the program, crash it or end as an internal error: a named pipe, a device or
/// a folder where a regular file belongs (as a model, a config file, a data file, a run's metrics,
/// configuration, checkpoint or lock, an output picture), malformed lines in a run's metrics.jsonl, and a
/// checkpoint whose checksum is right but whose values are not finite. Each gets one `ilgpuvae:` line naming
/// the real problem and exit code 2, within seconds. In process, with a time limit that unblocks a pipe.
/// </summary>
[TestFixture]
public sealed class BadInputTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private string _dir = "";
    private string _data = "";
    private string _run = "";

    [OneTimeSetUp]
    public void SetUp()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("named pipes and /dev/zero are Linux files");
        _dir = TinyTraining.NewFolder();
        _data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 200, 40, 4, 4, labels: false);
        _run = Path.Combine(_dir, "run");
        var r = Cli("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "--epochs", "1", "--out", _run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
    }

    [OneTimeTearDown]
    public void TearDown()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Runs the command line in process; a run still going after <see cref="Limit"/> fails the test (and every pipe under the test folder gets a writer, so it ends).</summary>
    private (int Code, string Out, string Err) Cli(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var run = Task.Run(() => IlgpuVae.Runner.Cli.Run(args, stdout, stderr));
        if (!run.Wait(Limit))
        {
            // Opened for reading and writing, a named pipe opens at once (for writing alone it would wait
            // for a reader), and a reader blocked in its open then goes on, to the end of the data.
            foreach (string pipe in Directory.EnumerateFiles(_dir, "*", SearchOption.AllDirectories).Where(IsPipe))
                using (new FileStream(pipe, FileMode.Open, FileAccess.ReadWrite)) { }
            run.Wait(Limit);
            Assert.Fail($"`ilgpuvae {string.Join(' ', args)}` hung for {Limit.TotalSeconds} s");
        }
        return (run.Result, stdout.ToString(), stderr.ToString());
    }

    private static bool IsPipe(string path) => Engine.Files.PathKinds.Of(path) == Engine.Files.PathKind.NamedPipe;

    private static void MakePipe(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.That(mkfifo.ExitCode, Is.EqualTo(0), "mkfifo");
    }

    /// <summary>A fresh copy of the finished run, with <paramref name="file"/> replaced by a special file.</summary>
    private string RunWith(string file, string kind)
    {
        string copy = Path.Combine(_dir, $"run-{Guid.NewGuid():N}");
        Directory.CreateDirectory(copy);
        foreach (string f in Directory.EnumerateFiles(_run)) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)));
        string target = Path.Combine(copy, file);
        if (File.Exists(target)) File.Delete(target);
        Place(target, kind);
        return copy;
    }

    private static void Place(string target, string kind)
    {
        switch (kind)
        {
            case "pipe": MakePipe(target); break;
            case "zero": File.CreateSymbolicLink(target, "/dev/zero"); break;
            case "folder": Directory.CreateDirectory(target); break;
            default: throw new ArgumentOutOfRangeException(nameof(kind));
        }
    }

    private static readonly Dictionary<string, string> Named = new()
    {
        ["pipe"] = "is a named pipe (FIFO)",
        ["zero"] = "is a character device",
        ["folder"] = "is a folder",
    };

    private static void AssertOneLine((int Code, string Out, string Err) r, params string[] fragments)
    {
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ilgpuvae:", StringComparison.Ordinal)).ToArray();
        Assert.That(lines, Has.Length.EqualTo(1), "one error line: " + r.Err);
        foreach (string fragment in fragments) Assert.That(lines[0], Does.Contain(fragment));
        Assert.That(r.Err, Does.Not.Contain("   at ").And.Not.Contain("internal error").And.Not.Contain("denied"));
    }

    // --- a special file or a folder where a regular file belongs -------------------------------------------

    [TestCase("pipe")]
    [TestCase("zero")]
    [TestCase("folder")]
    public void AsTheModel(string kind)
    {
        string model = Path.Combine(_dir, $"model-{kind}.ckpt");
        Place(model, kind);
        var r = Cli("eval", "--model", model, "--data", _data);
        if (kind == "folder") AssertOneLine(r, "no model.ckpt in that folder");
        else AssertOneLine(r, Named[kind], "not a checkpoint file");
    }

    [TestCase("pipe")]
    [TestCase("zero")]
    [TestCase("folder")]
    public void AsTheConfigFile(string kind)
    {
        string config = Path.Combine(_dir, $"config-{kind}.json");
        Place(config, kind);
        AssertOneLine(Cli("train", "--config", config, "--data", _data), "--config", Named[kind]);
    }

    [TestCase("pipe")]
    [TestCase("zero")]
    [TestCase("folder")]
    public void AsADataFile(string kind)
    {
        string data = SyntheticIdx.WriteDataset(Path.Combine(_dir, $"data-{kind}"), 200, 40, 4, 4, labels: false);
        string images = Path.Combine(data, "t10k-images-idx3-ubyte");
        File.Delete(images);
        Place(images, kind);
        string run = Path.Combine(_dir, $"out-{kind}");
        AssertOneLine(Cli("train", "--data", data, "--out", run), "t10k-images-idx3-ubyte", Named[kind], "not an IDX file");
        Assert.That(Directory.Exists(run), Is.False, "the failed run left no folder");
    }

    [TestCase("pipe")]
    [TestCase("zero")]
    public void AsACachedMnistFile(string kind)
    {
        string cache = Path.Combine(_dir, $"cache-{kind}");
        Directory.CreateDirectory(Path.Combine(cache, "mnist"));
        Place(Path.Combine(cache, "mnist", "train-images-idx3-ubyte"), kind);
        AssertOneLine(Cli("data", "--data", "mnist", "--data-dir", cache), Named[kind], "not a cached MNIST file");
    }

    [TestCase("metrics.jsonl", "pipe")]
    [TestCase("metrics.jsonl", "zero")]
    [TestCase("metrics.jsonl", "folder")]
    [TestCase("model.ckpt", "pipe")]
    [TestCase("model.ckpt", "zero")]
    [TestCase("model.ckpt", "folder")]
    [TestCase("run.lock", "pipe")]
    [TestCase("run.lock", "folder")]
    public void InARunFolderThatIsResumed(string file, string kind)
    {
        string run = RunWith(file, kind);
        var r = Cli("train", "--resume", run, "--epochs", "2");
        if (file == "model.ckpt")
        {
            // The only checkpoint: named as unusable, with what it is.
            AssertOneLine(r, "model.ckpt", Named[kind]);
        }
        else
        {
            AssertOneLine(r, file, Named[kind]);
        }
    }

    [TestCase("pipe")]
    [TestCase("zero")]
    public void AsARunsConfigurationWhenItRestarts(string kind)
    {
        string run = RunWith("config.json", kind);
        foreach (string checkpoint in CheckpointRotation.Files(Path.Combine(run, "model.ckpt"))) File.Delete(checkpoint);
        AssertOneLine(Cli("train", "--resume", run), "config.json", Named[kind]);
    }

    [TestCase("metrics.jsonl", "pipe")]
    [TestCase("config.json", "pipe")]
    [TestCase("metrics.jsonl", "zero")]
    public void InARunFolderThatIsReadForPictures(string file, string kind)
    {
        string run = RunWith(file, kind);
        AssertOneLine(Cli("curves", run, "--out", Path.Combine(_dir, "c.png")), file, Named[kind]);
        AssertOneLine(Cli("report", "--run", run, "--data", _data, "--accelerator", "cpu"), file, Named[kind]);
    }

    [Test]
    public void AFolderWhereAFileIsWrittenOrAFileWhereAFolderBelongs()
    {
        string folder = Path.Combine(_dir, "picture.png");
        Directory.CreateDirectory(folder);
        AssertOneLine(Cli("sample", "--model", _run, "--out", folder, "--accelerator", "cpu"), "is a folder, not a PNG file");
        string file = Path.Combine(_dir, "plain-file");
        File.WriteAllText(file, "x");
        AssertOneLine(Cli("train", "--resume", file), "is a file, not a run folder");
        AssertOneLine(Cli("train", "--out", file, "--data", _data), "is a file, not a folder");
        AssertOneLine(Cli("curves", file), "is a file, not a run folder");
        AssertOneLine(Cli("train", "--data", "/dev/null", "--out", Path.Combine(_dir, "dev-null")), "is a character device, not a directory");
        AssertOneLine(Cli("experiment", "fig2", "--out", file, "--data", _data), "is a file, not a folder");
    }

    // --- malformed lines in a run's metrics.jsonl ----------------------------------------------------------

    public static IEnumerable<TestCaseData> MalformedLines()
    {
        string[] lines =
        [
            "not json",
            "[1, 2]",
            "null",
            "{}",
            "{\"epoch\": \"1\"}",
            "{\"epoch\": 1.5}",
            "{\"epoch\": 0}",
            "{\"epoch\": -3}",
            "{\"epoch\": 1e300}",
            "{\"samples\": 1.5, \"train_elbo\": 1}",
            "{\"epoch\": 1",
            "\u0001\u0002\u00ff binary",
        ];
        foreach (string line in lines) yield return new TestCaseData(line);
        yield return new TestCaseData(new string('x', 100_000)).SetName("AMalformedMetricsLineIsNamed(a line of 100000 bytes)");
    }

    /// <summary>A complete line that is not an epoch's record: resume, curves and report name the line; nothing is changed.</summary>
    [TestCaseSource(nameof(MalformedLines))]
    public void AMalformedMetricsLineIsNamed(string line)
    {
        string run = RunWith("metrics.jsonl", "folder");
        Directory.Delete(Path.Combine(run, "metrics.jsonl"));
        string good = File.ReadAllText(Path.Combine(_run, "metrics.jsonl"));
        string text = good + line + "\n";
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), text);
        AssertOneLine(Cli("train", "--resume", run, "--epochs", "2"), "metrics.jsonl: line 2 ");
        AssertOneLine(Cli("curves", run, "--out", Path.Combine(_dir, "curves.png")), "metrics.jsonl: line 2 ");
        AssertOneLine(Cli("report", "--run", run, "--data", _data, "--accelerator", "cpu"), "metrics.jsonl: line 2 ");
        Assert.That(File.ReadAllText(Path.Combine(run, "metrics.jsonl")), Is.EqualTo(text), "the file is left as it was");
    }

    /// <summary>The one defect a run leaves itself — a last line cut short — is dropped, said so, and the run resumes.</summary>
    [Test]
    public void ALastLineCutShortIsDropped()
    {
        string run = RunWith("metrics.jsonl", "folder");
        Directory.Delete(Path.Combine(run, "metrics.jsonl"));
        string good = File.ReadAllText(Path.Combine(_run, "metrics.jsonl"));
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), good + good[..30]);
        Assert.That(Cli("curves", run, "--out", Path.Combine(_dir, "cut.png")).Code, Is.EqualTo(0), "a reader takes the complete lines");
        var r = Cli("train", "--resume", run, "--epochs", "2");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("dropping its last line"));
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), Has.Length.EqualTo(2));
    }

    /// <summary>A record whose sample count is not a whole number used to crash `curves` (an internal error); it is skipped.</summary>
    [Test]
    public void ARecordWithAFractionalSampleCountDoesNotCrashCurves()
    {
        string run = RunWith("metrics.jsonl", "folder");
        Directory.Delete(Path.Combine(run, "metrics.jsonl"));
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), File.ReadAllText(Path.Combine(_run, "metrics.jsonl")) + "{\"epoch\": 2, \"samples\": 1.5}\n");
        var r = Cli("curves", run, "--out", Path.Combine(_dir, "fraction.png"));
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
    }

    // --- a checkpoint with a valid checksum over values that are not finite --------------------------------

    private static byte[] WithNaN(byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        int body = 16 + BitConverter.ToInt32(copy, 12);
        BitConverter.GetBytes(float.NaN).CopyTo(copy, body + 8);
        return CheckpointBytes.Rehash(copy);
    }

    [Test]
    public void ANonFiniteCheckpointIsRefusedAndAnOlderOneUsed()
    {
        string run = RunWith("metrics.jsonl", "folder");
        Directory.Delete(Path.Combine(run, "metrics.jsonl"));
        string newest = Path.Combine(run, "model.ckpt");
        File.WriteAllBytes(newest, WithNaN(File.ReadAllBytes(newest)));
        AssertOneLine(Cli("eval", "--model", newest, "--data", _data), "non-finite", "cannot be used");
        AssertOneLine(Cli("train", "--resume", run, "--epochs", "2"), "non-finite");

        string two = Path.Combine(_dir, "two");
        var r = Cli("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "--epochs", "2", "--out", two);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        File.WriteAllBytes(Path.Combine(two, "model.ckpt"), WithNaN(File.ReadAllBytes(Path.Combine(two, "model.ckpt"))));
        var resumed = Cli("train", "--resume", two, "--epochs", "2");
        Assert.That(resumed.Code, Is.EqualTo(0), resumed.Err);
        Assert.That(resumed.Err, Does.Contain("skipping an unusable checkpoint").And.Contain("non-finite").And.Contain("model.ckpt.1 (step 10)"));
        Assert.That(Encoding.UTF8.GetString(File.ReadAllBytes(Path.Combine(two, "model.ckpt"))), Does.Not.Contain("NaN"));
        Assert.That(CheckpointFile.Load(Path.Combine(two, "model.ckpt")).Step, Is.EqualTo(20), "epoch 2 trained again");
    }
}

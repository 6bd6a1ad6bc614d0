using System.Text;
using System.Text.Json;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Run folders, in process on the CPU (a 16-8-2 model, 10 steps of 20 per epoch): `--out` takes only a new
/// or empty folder, or a run of this program that never saved a checkpoint, so a user's files are never
/// overwritten; every state a kill can leave a new run's folder in has a way forward; a run that fails on
/// bad data leaves nothing behind.
/// </summary>
[TestFixture]
public sealed class RunFolderTests : TinyRunFixture
{
    private (int Code, string Out, string Err) TrainTwoEpochs(string run) => Train(run, "--epochs", "2");

    private static (int Code, string Out, string Err) Resume(string run) => Cli("train", "--resume", run, "--accelerator", "cpu");

    private static int[] Epochs(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()).ToArray();

    private static Dictionary<string, byte[]> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(folder, f), File.ReadAllBytes);

    /// <summary>A folder holding anything a user put there is refused, naming it, and left exactly as it was.</summary>
    [TestCase("config.json", "{\"my\": \"settings\"}")]
    [TestCase("report.html", "<p>my report</p>")]
    [TestCase("figures/curve.png", "my figure")]
    [TestCase("metrics.jsonl", "{\"epoch\": 1}\n")]
    [TestCase("notes.txt", "notes")]
    [TestCase("run.lock", "another tool's lock")]
    [TestCase("model.ckpt.txt", "not a checkpoint")]
    public void OutNeverOverwritesAUsersFiles(string file, string content)
    {
        string folder = Path.Combine(Dir, "mine");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(folder, file))!);
        File.WriteAllText(Path.Combine(folder, file), content);
        File.WriteAllText(Path.Combine(folder, "config.json.bak"), "kept");
        var before = Files(folder);
        var r = TrainTwoEpochs(folder);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        Assert.That(r.Err, Does.Contain("holds files that are not a run's").And.Contain(file.Split('/')[0]));
        Assert.That(Files(folder), Is.EquivalentTo(before), "every file as it was, and nothing added");
    }

    [Test]
    public void OutTakesANewOrEmptyFolderAndRefusesAFinishedRun()
    {
        string empty = Path.Combine(Dir, "empty");
        Directory.CreateDirectory(empty);
        Assert.That(TrainTwoEpochs(empty).Code, Is.EqualTo(0));
        Assert.That(Train(Path.Combine(Dir, "new", "nested")).Code, Is.EqualTo(0));
        var again = TrainTwoEpochs(empty);
        Assert.That(again.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(again.Err, Does.Contain($"already holds a training run; choose another folder or continue it with --resume {empty}"));
    }

    [Test]
    public void OutRefusesAFolderInUse()
    {
        string folder = Path.Combine(Dir, "busy");
        Directory.CreateDirectory(folder);
        using (var held = new FileStream(Path.Combine(folder, "run.lock"), FileMode.Create, FileAccess.ReadWrite, FileShare.None))
        {
            var r = TrainTwoEpochs(folder);
            Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput));
            Assert.That(r.Err, Does.Contain("another ilgpuvae process is training in this folder"));
        }
    }

    /// <summary>
    /// The states a kill can leave a new run's folder in, in the order a run writes its files — after each
    /// write a kill may come. The folder of the report is "metrics": killed between the first epoch's
    /// metrics line and the first checkpoint, which used to be refused by --out and by --resume alike.
    /// </summary>
    public static readonly string[] KillStates =
        ["folder", "empty-lock", "lock", "config", "config-temporary", "metrics", "metrics-cut", "checkpoint-temporary"];

    private void Leave(string state, string folder, string reference)
    {
        Directory.CreateDirectory(folder);
        int step = Array.IndexOf(KillStates, state);
        if (step >= 1) File.WriteAllBytes(Path.Combine(folder, "run.lock"), step == 1 ? [] : Encoding.ASCII.GetBytes(RunFolder.LockMarker));
        if (step >= 3) File.Copy(Path.Combine(reference, "config.json"), Path.Combine(folder, "config.json"));
        if (step >= 4) File.WriteAllText(Path.Combine(folder, "config.json.tmp"), "{\"lat");
        string firstLine = File.ReadAllLines(Path.Combine(reference, "metrics.jsonl"))[0];
        if (step == 5 || step == 7) File.WriteAllText(Path.Combine(folder, "metrics.jsonl"), firstLine + "\n");
        if (step == 6) File.WriteAllText(Path.Combine(folder, "metrics.jsonl"), firstLine[..20]);
        if (step == 7) File.WriteAllBytes(Path.Combine(folder, ".model.ckpt.4242.0123456789abcdef.tmp"), File.ReadAllBytes(Path.Combine(reference, "model.ckpt"))[..100]);
    }

    [TestCaseSource(nameof(KillStates))]
    public void EveryStateAKillLeavesHasAWayForward(string state)
    {
        string reference = Path.Combine(Dir, "reference");
        Assert.That(TrainTwoEpochs(reference).Code, Is.EqualTo(0));
        byte[] expected = File.ReadAllBytes(Path.Combine(reference, "model.ckpt"));

        // The same command again takes the folder and gives the run's result.
        string again = Path.Combine(Dir, "again");
        Leave(state, again, reference);
        var r = TrainTwoEpochs(again);
        Assert.That(r.Code, Is.EqualTo(0), $"{state}: --out again: {r.Err}");
        Assert.That(File.ReadAllBytes(Path.Combine(again, "model.ckpt")), Is.EqualTo(expected), $"{state}: the same run, bit for bit");
        Assert.That(Epochs(again), Is.EqualTo(new[] { 1, 2 }), $"{state}: every epoch once");
        Assert.That(Directory.GetFiles(again, ".model.ckpt.*"), Is.Empty, $"{state}: no temporary file left");

        // --resume starts the run again from its config.json, or, where a kill left none, says to use --out.
        string resumed = Path.Combine(Dir, "resumed");
        Leave(state, resumed, reference);
        var s = Resume(resumed);
        if (File.Exists(Path.Combine(resumed, "config.json")) && s.Code == 0)
        {
            Assert.That(s.Err, Does.Contain("starting it again from the beginning"));
            // The same bits and the same settings: both runs record the learning rate in effect (0.01).
            var want = CheckpointFile.Load(Path.Combine(reference, "model.ckpt"));
            var got = CheckpointFile.Load(Path.Combine(resumed, "model.ckpt"));
            TinyTraining.AssertSameState(want, got, $"{state}: --resume gives the run's result");
            Assert.That(got.Training, Is.EqualTo(want.Training));
            Assert.That(Epochs(resumed), Is.EqualTo(new[] { 1, 2 }), $"{state}: every epoch once after --resume");
        }
        else
        {
            Assert.That(state, Is.AnyOf("folder", "empty-lock", "lock"), $"only a folder without config.json has nothing to resume: {s.Err}");
            Assert.That(s.Code, Is.EqualTo(ExitCodes.BadInput), s.Err);
            Assert.That(s.Err, Does.Contain($"--out {resumed}"), "--resume names the command that works");
            Assert.That(TrainTwoEpochs(resumed).Code, Is.EqualTo(0), "and that command works");
        }
    }

    /// <summary>A run that fails on bad data removes the folder it made (and only its own files from a folder that was there), so the next attempt finds the place as it was.</summary>
    [Test]
    public void ARunThatFailsOnBadDataLeavesNothingBehind()
    {
        string broken = SyntheticIdx.WriteDataset(Path.Combine(Dir, "broken"), 200, 40, 4, 4, labels: false);
        string images = Path.Combine(broken, "train-images-idx3-ubyte");
        File.WriteAllBytes(images, File.ReadAllBytes(images)[..100]);
        string run = Path.Combine(Dir, "run");
        var r = Cli("train", "--data", broken, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "--out", run);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        Assert.That(Directory.Exists(run), Is.False, "the folder the run made is gone");
        Assert.That(TrainTwoEpochs(run).Code, Is.EqualTo(0), "the next attempt, with good data");

        string existing = Path.Combine(Dir, "existing");
        Directory.CreateDirectory(existing);
        var few = SyntheticIdx.WriteDataset(Path.Combine(Dir, "few"), 5, 5, 4, 4, labels: false);
        var f = Cli("train", "--data", few, "--batch-size", "20", "--accelerator", "cpu", "--out", existing);
        Assert.That(f.Code, Is.EqualTo(ExitCodes.BadInput), f.Err);
        Assert.That(Directory.Exists(existing) && !Directory.EnumerateFileSystemEntries(existing).Any(), "a folder that was there stays, empty");
    }
}

using System.Buffers.Binary;
using System.Text.Json;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// The command line's checkpoints, resume and fault handling, in process on the CPU with a 16-8-2 model
/// on 200 synthetic 4×4 images (10 steps of 20 per epoch): each run takes milliseconds.
/// </summary>
[TestFixture]
public sealed class ReliabilityCliTests : TinyRunFixture
{
    private (int Code, string Out, string Err) Resume(string run, params string[] extra) =>
        Cli([.. new[] { "train", "--resume", run, "--data", Data, "--accelerator", "cpu" }, .. extra]);

    private static string[] ErrorLines(string err) =>
        err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith("ilgpuvae:", StringComparison.Ordinal)).ToArray();

    private static void AssertOneLine((int Code, string Out, string Err) r, int code, string fragment)
    {
        Assert.That(r.Code, Is.EqualTo(code), r.Err);
        var lines = ErrorLines(r.Err);
        Assert.That(lines, Has.Length.EqualTo(1), "exactly one error line: " + r.Err);
        Assert.That(lines[0], Does.Contain(fragment));
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    private static byte[][] Snapshot(string run) =>
        CheckpointRotation.Files(Path.Combine(run, "model.ckpt")).Select(File.ReadAllBytes).ToArray();

    private static string[] MetricsLines(string run) => File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));

    [Test]
    public void StepCheckpointsAreKeptAndTheNewestResumes()
    {
        string run = Path.Combine(Dir, "run");
        var r = Train(run, "--epochs", "2", "--checkpoint-every", "3", "--keep-checkpoints", "4");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        var steps = CheckpointRotation.Files(Path.Combine(run, "model.ckpt")).Select(f => CheckpointFile.Load(f).Step).ToArray();
        Assert.That(steps, Is.EqualTo(new long[] { 20, 18, 15, 12 }), "saves at every 3rd step and at each epoch end, the last 4 kept");
    }

    /// <summary>Three epochs straight equal two, a resume from an older checkpoint, and the third again: metrics and checkpoint bits.</summary>
    [Test]
    public void ResumingFromAnOlderCheckpointRedoesTheEpochExactly()
    {
        string straight = Path.Combine(Dir, "straight");
        // The same settings (a checkpoint records --checkpoint-every among them), so the files can be compared whole.
        Assert.That(Train(straight, "--epochs", "3", "--checkpoint-every", "4").Code, Is.EqualTo(0));
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "3", "--checkpoint-every", "4").Code, Is.EqualTo(0));
        // Lose the newest two checkpoints (steps 30 and 28): the run goes back to step 24, mid-epoch 3.
        File.Delete(Path.Combine(run, "model.ckpt"));
        File.Delete(Path.Combine(run, "model.ckpt.1"));
        var r = Resume(run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("from model.ckpt.2: epoch 2, step 24 (4 steps into epoch 3)"));
        Assert.That(File.ReadAllBytes(Path.Combine(run, "model.ckpt")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.ckpt"))),
            "the final checkpoint is the same file, bit for bit");
        string TrainElbos(string dir) => string.Join(",", MetricsLines(dir).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("train_elbo").GetRawText()));
        Assert.That(MetricsLines(run).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(TrainElbos(run), Is.EqualTo(TrainElbos(straight)));
    }

    [Test]
    public void ACorruptNewestCheckpointFallsBackAndSaysSo()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "2").Code, Is.EqualTo(0));
        string newest = Path.Combine(run, "model.ckpt");
        var bytes = File.ReadAllBytes(newest);
        bytes[^40] ^= 1;
        File.WriteAllBytes(newest, bytes);

        var e = Cli("eval", "--model", run, "--data", Data, "--accelerator", "cpu");
        Assert.That(e.Code, Is.EqualTo(0), e.Err);
        Assert.That(e.Err, Does.Contain("skipping an unusable checkpoint").And.Contain("checksum"));
        Assert.That(e.Out, Does.Contain("epoch 1"));

        var r = Resume(run, "--epochs", "3");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("using the newest valid checkpoint").And.Contain("model.ckpt.1 (step 10)"));
        Assert.That(MetricsLines(run), Has.Length.EqualTo(3));
    }

    [Test]
    public void NoValidCheckpointIsBadInput()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "2").Code, Is.EqualTo(0));
        foreach (var f in CheckpointRotation.Files(Path.Combine(run, "model.ckpt"))) File.WriteAllBytes(f, File.ReadAllBytes(f)[..60]);
        AssertOneLine(Resume(run), ExitCodes.BadInput, "none of the 2 checkpoints is valid");
        AssertOneLine(Cli("eval", "--model", Path.Combine(run, "model.ckpt"), "--data", Data), ExitCodes.BadInput, "checksum mismatch");
    }

    [Test]
    public void ACheckpointOfAnotherVersionIsBadInput()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--keep-checkpoints", "1").Code, Is.EqualTo(0));
        string path = Path.Combine(run, "model.ckpt");
        var bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 7);
        File.WriteAllBytes(path, CheckpointBytes.Rehash(bytes));
        AssertOneLine(Resume(run), ExitCodes.BadInput, "checkpoint format version 7");
    }

    [TestCase("--latent", "3", "--latent 3 differs from the run's 2")]
    [TestCase("--hidden", "8,8", "--hidden 8,8 differs from the run's 8")]
    [TestCase("--optimizer", "adam", "--optimizer adam differs from the run's adagrad")]
    [TestCase("--seed", "2", "--seed 2 differs")]
    [TestCase("--batch-size", "10", "--batch-size 10 differs")]
    [TestCase("--likelihood", "gaussian", "--likelihood gaussian differs")]
    public void ResumeRefusesAChangedConfiguration(string option, string value, string fragment)
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        AssertOneLine(Resume(run, option, value), ExitCodes.BadInput, fragment);
        Assert.That(Resume(run, "--latent", "2", "--epochs", "2").Code, Is.EqualTo(0), "the same value is fine");
    }

    [Test]
    public void ResumeContinuesToTheRunsOwnEpochsAndAcceptsANewLearningRate()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "3", "--checkpoint-every", "5").Code, Is.EqualTo(0));
        File.Delete(Path.Combine(run, "model.ckpt"));
        var r = Resume(run, "--lr", "0.005");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("lr 0.005"));
        Assert.That(CheckpointFile.Load(Path.Combine(run, "model.ckpt")).Epoch, Is.EqualTo(3));
    }

    [TestCase("--keep-checkpoints", "0", "--keep-checkpoints")]
    [TestCase("--keep-checkpoints", "1001", "--keep-checkpoints")]
    [TestCase("--checkpoint-every", "0", "--checkpoint-every")]
    [TestCase("--checkpoint-every", "-4", "--checkpoint-every")]
    [TestCase("--on-divergence", "retry", "retry")]
    [TestCase("--keep-checkpoints", "many", "many")]
    public void ImpossibleOptionValuesAreBadInput(string option, string value, string fragment) =>
        AssertOneLine(Train(Path.Combine(Dir, "run"), option, value), ExitCodes.BadInput, fragment);

    [Test]
    public void AFileThatIsNotACheckpointIsBadInput()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        AssertOneLine(Cli("eval", "--model", Path.Combine(run, "config.json"), "--data", Data), ExitCodes.BadInput, "not an IlgpuVae checkpoint");
        var done = Resume(run, "--epochs", "1");
        Assert.That(done.Code, Is.EqualTo(0), done.Err);
        Assert.That(done.Err, Does.Contain("at epoch 1 of 1 already"));
    }

    [Test]
    public void OutAndResumeTogetherAreBadInput()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        AssertOneLine(Resume(run, "--out", Path.Combine(Dir, "other")), ExitCodes.BadInput, "--out cannot be combined with --resume");
        AssertOneLine(Resume(Path.Combine(Dir, "none")), ExitCodes.BadInput, "no such run folder");
    }

    [Test]
    public void AFolderInUseIsRefused()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        using (new FileStream(Path.Combine(run, "run.lock"), FileMode.Open, FileAccess.ReadWrite, FileShare.None))
            AssertOneLine(Resume(run, "--epochs", "2"), ExitCodes.BadInput, "another ilgpuvae process is training in this folder");
        Assert.That(Resume(run, "--epochs", "2").Code, Is.EqualTo(0), "free again once the holder is gone");
    }

    [Test]
    public void ImagesOfAnotherSizeThanTheSavedModelAreBadInput()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        string other = SyntheticIdx.WriteDataset(Path.Combine(Dir, "data5"), 200, 40, 5, 5, labels: false);
        AssertOneLine(Cli("train", "--resume", run, "--data", other, "--epochs", "2"), ExitCodes.BadInput, "is other data");
    }

    [TestCase("truncated")]
    [TestCase("absurd")]
    [TestCase("labels-as-images")]
    public void BrokenDataFilesAreBadInput(string kind)
    {
        string data = SyntheticIdx.WriteDataset(Path.Combine(Dir, "broken"), 200, 40, 4, 4, labels: false);
        string images = Path.Combine(data, "train-images-idx3-ubyte");
        switch (kind)
        {
            case "truncated": File.WriteAllBytes(images, File.ReadAllBytes(images)[..1000]); break;
            case "absurd": File.WriteAllBytes(images, SyntheticIdx.Header(0x803, 0xFFFFFFFF, 0xFFFF, 0xFFFF)); break;
            default: File.WriteAllBytes(images, SyntheticIdx.LabelFile(200)); break;
        }
        var r = Cli("train", "--data", data, "--accelerator", "cpu", "--out", Path.Combine(Dir, "run"));
        AssertOneLine(r, ExitCodes.BadInput, "train-images-idx3-ubyte");
    }

    /// <summary>An exploding run stops with exit code 3 and the first bad step; the checkpoints on disk are untouched and resume.</summary>
    [Test]
    public void DivergenceStopsWithCode3AndKeepsTheCheckpoints()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--optimizer", "sgd", "--lr", "0.5").Code, Is.EqualTo(0));
        var before = Snapshot(run);
        var r = Resume(run, "--lr", "10000", "--epochs", "3");
        AssertOneLine(r, ExitCodes.Diverged, "non-finite");
        Assert.That(ErrorLines(r.Err)[0], Does.Match(@"ilgpuvae: step 1\d: non-finite .* model\.ckpt \(step 10\) is kept"));
        Assert.That(Snapshot(run), Is.EqualTo(before), "no checkpoint was written or replaced");
        Assert.That(Resume(run, "--epochs", "2").Code, Is.EqualTo(0), "the kept checkpoint resumes");
    }

    /// <summary>With --on-divergence rollback the run goes back to its last good checkpoint with half the learning rate, until it trains.</summary>
    [Test]
    public void RollbackHalvesTheLearningRateUntilTheRunTrains()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--optimizer", "sgd", "--lr", "0.5").Code, Is.EqualTo(0));
        var r = Resume(run, "--lr", "32", "--epochs", "3", "--on-divergence", "rollback");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("rolled back to model.ckpt (step 10) with the learning rate halved to 16 (rollback 1 of 5)"));
        Assert.That(MetricsLines(run).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("epoch").GetInt32()), Is.EqualTo(new[] { 1, 2, 3 }));
        float lr = CheckpointFile.Load(Path.Combine(run, "model.ckpt")).Training.EffectiveLearningRate;
        Assert.That(lr, Is.LessThan(32f).And.GreaterThanOrEqualTo(1f));
        Assert.That(File.ReadAllText(Path.Combine(run, "config.json")), Does.Contain($"\"lr\": {lr.ToString(System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    [Test]
    public void RollbackGivesUpAfterFiveAttempts()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--optimizer", "sgd", "--lr", "0.5").Code, Is.EqualTo(0));
        var before = Snapshot(run);
        var r = Resume(run, "--lr", "1e6", "--epochs", "3", "--on-divergence", "rollback");
        AssertOneLine(r, ExitCodes.Diverged, "gave up after 5 rollbacks");
        Assert.That(r.Err.Split('\n').Count(l => l.Contains("rolled back")), Is.EqualTo(5));
        Assert.That(Snapshot(run), Is.EqualTo(before));
    }
}

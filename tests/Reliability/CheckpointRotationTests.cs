using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Training;
using NUnit.Framework;
using static IlgpuVae.Tests.Reliability.CheckpointBytes;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Keeping the last K checkpoints: model.ckpt is the newest, model.ckpt.1 … the older ones; the newest
/// valid one is found when newer ones are damaged or missing; leftovers of a killed save are removed.
/// </summary>
[TestFixture]
public sealed class CheckpointRotationTests
{
    private string _dir = "";
    private string _path = "";

    [SetUp]
    public void SetUp()
    {
        _dir = TinyTraining.NewFolder();
        _path = Path.Combine(_dir, "model.ckpt");
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private long[] Steps() => CheckpointRotation.Files(_path).Select(f => CheckpointFile.Load(f).Step).ToArray();

    private string[] Names() => Directory.GetFiles(_dir).Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    [Test]
    public void TheLastKAreKeptNewestFirst()
    {
        for (long step = 1; step <= 5; step++) CheckpointRotation.Save(_path, State(step), keep: 3);
        Assert.That(Names(), Is.EqualTo(new[] { "model.ckpt", "model.ckpt.1", "model.ckpt.2" }));
        Assert.That(Steps(), Is.EqualTo(new long[] { 5, 4, 3 }));
    }

    [Test]
    public void KeepOneKeepsOnlyTheNewest()
    {
        for (long step = 1; step <= 3; step++) CheckpointRotation.Save(_path, State(step), keep: 1);
        Assert.That(Names(), Is.EqualTo(new[] { "model.ckpt" }));
        Assert.That(Steps(), Is.EqualTo(new long[] { 3 }));
    }

    [Test]
    public void KeepTwoReplacesTheOlderOne()
    {
        for (long step = 1; step <= 4; step++) CheckpointRotation.Save(_path, State(step), keep: 2);
        Assert.That(Steps(), Is.EqualTo(new long[] { 4, 3 }));
    }

    [Test]
    public void ASmallerKeepDeletesTheOldest()
    {
        for (long step = 1; step <= 5; step++) CheckpointRotation.Save(_path, State(step), keep: 5);
        Assert.That(Steps(), Is.EqualTo(new long[] { 5, 4, 3, 2, 1 }));
        CheckpointRotation.Save(_path, State(6), keep: 2);
        Assert.That(Steps(), Is.EqualTo(new long[] { 6, 5 }));
    }

    [Test]
    public void ACorruptNewestFallsBackToTheNextAndSaysWhy()
    {
        for (long step = 1; step <= 3; step++) CheckpointRotation.Save(_path, State(step), keep: 3);
        var bytes = File.ReadAllBytes(_path);
        bytes[bytes.Length / 2] ^= 0x40;
        File.WriteAllBytes(_path, bytes);
        var (state, file, skipped) = CheckpointRotation.LoadNewestValid(_path);
        Assert.That((state.Step, Path.GetFileName(file)), Is.EqualTo((2L, "model.ckpt.1")));
        Assert.That(skipped, Has.Count.EqualTo(1));
        Assert.That(skipped[0], Does.Contain("model.ckpt").And.Contain("checksum"));
    }

    [Test]
    public void AMissingNewestFallsBackToTheNext()
    {
        for (long step = 1; step <= 3; step++) CheckpointRotation.Save(_path, State(step), keep: 3);
        File.Delete(_path);
        Assert.That(CheckpointRotation.LoadNewestValid(_path).State.Step, Is.EqualTo(2));
    }

    [Test]
    public void NoValidCheckpointIsOneClearError()
    {
        for (long step = 1; step <= 2; step++) CheckpointRotation.Save(_path, State(step), keep: 2);
        foreach (var f in CheckpointRotation.Files(_path)) File.WriteAllBytes(f, File.ReadAllBytes(f)[..100]);
        var e = Assert.Throws<CheckpointFormatException>(() => CheckpointRotation.LoadNewestValid(_path));
        Assert.That(e!.Message, Does.StartWith("none of the 2 checkpoints is valid"));
        Assert.That(() => CheckpointRotation.LoadNewestValid(Path.Combine(_dir, "other.ckpt")),
            Throws.TypeOf<CheckpointFormatException>().With.Message.Contains("no such checkpoint"));
    }

    [Test]
    public void ANonFiniteStateLeavesEveryFileAsItWas()
    {
        for (long step = 1; step <= 3; step++) CheckpointRotation.Save(_path, State(step), keep: 3);
        var before = CheckpointRotation.Files(_path).Select(File.ReadAllBytes).ToArray();
        var bad = State(4);
        bad.OptimizerState0[0] = float.PositiveInfinity;
        var e = Assert.Throws<TrainingDivergedException>(() => CheckpointRotation.Save(_path, bad, keep: 3));
        Assert.That(e!.Message, Does.Contain("non-finite optimizer state in encoder.hidden1.weight[0, 0] = +inf"));
        Assert.That(CheckpointRotation.Files(_path).Select(File.ReadAllBytes), Is.EqualTo(before));
        Assert.That(Names(), Has.Length.EqualTo(3));
    }

    [Test]
    public void LeftoversOfAKilledSaveAreRemoved()
    {
        CheckpointRotation.Save(_path, State(1), keep: 3);
        File.WriteAllText(Path.Combine(_dir, ".model.ckpt.123.abc.tmp"), "partial");
        File.WriteAllText(Path.Combine(_dir, ".model.ckpt.123.abc.tmp.link"), "partial");
        File.WriteAllText(Path.Combine(_dir, "notes.txt"), "kept");
        Assert.That(CheckpointRotation.RemoveTemporaries(_path), Is.EqualTo(2));
        Assert.That(Names(), Is.EqualTo(new[] { "model.ckpt", "notes.txt" }));
    }

    [Test]
    public void OnlyNumberedFilesCount()
    {
        CheckpointRotation.Save(_path, State(1), keep: 3);
        File.WriteAllText(_path + ".bak", "x");
        File.WriteAllText(_path + ".01", "x");
        Assert.That(CheckpointRotation.Files(_path), Is.EqualTo(new[] { _path }));
    }
}

using System.Diagnostics;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// Real process faults against the built runner: SIGKILL at random moments (many of them in the middle
/// of a checkpoint save), and SIGTERM as a batch scheduler sends it. After each, the run folder's
/// newest checkpoint loads and the run resumes; at the end the resumed run equals, bit for bit, one that
/// was never interrupted. 40000 synthetic 4×4 images, batch 10 (4000 steps per epoch), a 16-8-2 model.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class ProcessFaultTests
{
    private const int Sigterm = 15;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);

    private string _dir = "";
    private string _data = "";
    private string _run = "";

    [SetUp]
    public void SetUp()
    {
        RunnerProcess.Require();
        _dir = TinyTraining.NewFolder();
        // 40000 images (4000 steps per epoch), so that a signal usually lands inside an epoch rather than in
        // the epoch-end evaluation and save.
        _data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 40000, 20, 4, 4, labels: false);
        _run = Path.Combine(_dir, "run");
    }

    [TearDown]
    public void TearDown()
    {
        if (_dir.Length > 0) Directory.Delete(_dir, recursive: true);
    }

    private string[] Args(bool resume, params string[] extra) =>
    [
        "train", "--data", _data, "--accelerator", "cpu", "--threads", "1",
        .. resume ? new[] { "--resume", _run } : ["--out", _run, "--hidden", "8", "--latent", "2", "--batch-size", "10", "--epochs", "100000"],
        .. extra,
    ];

    private string Checkpoint => Path.Combine(_run, RunFolder.CheckpointFileName);

    /// <summary>The same training, never interrupted, in this process: the reference for every resume.</summary>
    private TrainingState Uninterrupted(int epochs)
    {
        var data = new Dataset("synthetic", IdxReader.ReadImages(Path.Combine(_data, "train-images-idx3-ubyte")),
            IdxReader.ReadImages(Path.Combine(_data, "t10k-images-idx3-ubyte")), null, null);
        var model = new ModelConfig { InputSize = 16, HiddenSizes = [8], LatentSize = 2 };
        var training = new TrainingConfig { BatchSize = 10, Epochs = epochs };
        using var cpu = new CpuAccelerator(2);
        using var trainer = new Trainer(cpu, model, training, data);
        for (int e = 0; e < epochs; e++) trainer.TrainEpoch(evaluateTest: false);
        return trainer.CaptureState();
    }

    /// <summary>Resumes the run to the end of the epoch after its newest checkpoint's and compares with the uninterrupted run.</summary>
    private void FinishAndCompare()
    {
        int epochs = CheckpointRotation.LoadNewestValid(Checkpoint).State.Epoch + 1;
        using var last = new RunnerProcess(Args(resume: true, "--epochs", epochs.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(last.WaitForExit(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.Success), last.Stderr);
        var final = CheckpointFile.Load(Checkpoint);
        Assert.That(final.Epoch, Is.EqualTo(epochs));
        TinyTraining.AssertSameState(Uninterrupted(epochs), final, $"interrupted and resumed, {epochs} epochs");
    }

    /// <summary>
    /// 20 SIGKILLs at random moments of a run that saves a checkpoint after every step (so most kills
    /// land in or near a save): after each, the newest checkpoint is complete and no older than before,
    /// no file of the rotation is damaged, and the next resume starts from it.
    /// </summary>
    [Test]
    public void SigkillAtAnyMomentLeavesALoadableCheckpoint()
    {
        const int kills = 20;
        int seed = Environment.TickCount;
        var random = new Random(seed);
        long newest = -1;
        int midSave = 0, done = 0;
        var clock = Stopwatch.StartNew();
        for (; done < kills && clock.Elapsed < TimeSpan.FromSeconds(40); done++)
        {
            bool resume = newest >= 0;
            using var child = new RunnerProcess(Args(resume, "--checkpoint-every", "1", "--keep-checkpoints", "3"));
            Assert.That(child.WaitUntilTraining(StartTimeout), Is.True, $"kill {done} (seed {seed}): the runner did not start training:\n{child.Stderr}");
            // The first step (and its compilation) can take longer than the kill window on a busy machine:
            // until a first checkpoint exists, wait for it, so that every kill lands among saves.
            var firstSave = Stopwatch.StartNew();
            while (!resume && CheckpointRotation.Files(Checkpoint).Count == 0 && !child.HasExited && firstSave.Elapsed < StartTimeout) Thread.Sleep(5);
            Thread.Sleep(random.Next(0, 120));
            Assert.That(child.HasExited, Is.False, $"kill {done}: the runner ended by itself:\n{child.Stderr}");
            child.Kill();
            if (resume) Assert.That(child.Stderr, Does.Contain($"resuming {_run} from model.ckpt:"), $"kill {done}: resumed from the newest file");
            Assert.That(child.Stderr, Does.Not.Contain("skipping an unusable checkpoint"), $"kill {done}: no damaged checkpoint was left behind");

            if (Directory.GetFiles(_run, ".model.ckpt.*").Length > 0) midSave++;
            if (CheckpointRotation.Files(Checkpoint).Count == 0) continue; // killed before the first save
            var (state, file, skipped) = CheckpointRotation.LoadNewestValid(Checkpoint);
            Assert.That(skipped, Is.Empty, $"kill {done} (seed {seed}): every checkpoint file is complete");
            Assert.That(Path.GetFileName(file), Is.EqualTo(RunFolder.CheckpointFileName), $"kill {done}: model.ckpt never disappears");
            Assert.That(state.Step, Is.GreaterThanOrEqualTo(newest), $"kill {done}: no saved progress is lost");
            newest = state.Step;
        }
        TestContext.Out.WriteLine($"{done} kills in {clock.Elapsed.TotalSeconds:F1} s (seed {seed}); {midSave} left a partial save behind; newest step {newest}");
        Assert.That(done, Is.GreaterThanOrEqualTo(10), "enough kills within the time bound");
        Assert.That(newest, Is.GreaterThan(0), "training made progress between kills");
        FinishAndCompare();
        Assert.That(Directory.GetFiles(_run, ".model.ckpt.*"), Is.Empty, "a resume removes what killed saves left");
    }

    /// <summary>
    /// SIGTERM: the runner finishes its step, saves a checkpoint (inside an epoch: only epoch-end saves
    /// are configured) and exits with 130; the resumed run is bit-identical to an uninterrupted one.
    /// </summary>
    [Test]
    public void SigtermSavesACheckpointAndExitsWith130()
    {
        using (var child = new RunnerProcess(Args(resume: false)))
        {
            Assert.That(child.WaitUntilTraining(StartTimeout), Is.True, child.Stderr);
            // Long enough for the first steps (and their JIT compilation) to be done.
            Thread.Sleep(new Random().Next(400, 700));
            child.Signal(Sigterm);
            int code = child.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.That(code, Is.EqualTo(ExitCodes.Interrupted), child.Stderr);
            Assert.That(child.Stderr, Does.Contain("SIGTERM received: finishing the current step and saving a checkpoint"));
            Assert.That(child.Stderr, Does.Contain($"continue with: ilgpuvae train --resume {_run}"));
        }
        var state = CheckpointFile.Load(Checkpoint);
        Assert.That(state.Step, Is.GreaterThan(0));
        TestContext.Out.WriteLine($"stopped at step {state.Step} ({state.StepInEpoch} steps into epoch {state.Epoch + 1})");
        FinishAndCompare();
    }

    /// <summary>
    /// A signal in the first moments of a run — as soon as its folder is locked, while it loads its data and
    /// sets up — exits with 130 and one line, like at any other time (it used to kill the process with no
    /// word, as signal 15); the folder it leaves takes the same command again.
    /// </summary>
    [TestCase(Sigterm, "run.lock")]
    [TestCase(2, "data: ")]
    [TestCase(Sigterm, "accelerator: ")]
    public void ASignalInTheFirstMomentsExitsWith130AndOneLine(int signal, string moment)
    {
        string[] args = ["train", "--data", _data, "--accelerator", "cpu", "--threads", "1", "--out", _run, "--hidden", "8", "--latent", "2", "--batch-size", "10", "--epochs", "1"];
        using (var child = new RunnerProcess(args))
        {
            bool reached = moment == "run.lock"
                ? SpinUntil(() => File.Exists(Path.Combine(_run, RunFolder.LockFile)) || child.HasExited)
                : child.WaitForStderr(moment, StartTimeout);
            Assert.That(reached && !child.HasExited, Is.True, $"the run reached '{moment}':\n{child.Stderr}");
            child.Signal(signal);
            int code = child.WaitForExit(TimeSpan.FromSeconds(30));
            Assert.That(code, Is.EqualTo(ExitCodes.Interrupted), child.Stderr);
            var lines = child.Stderr.Split('\n').Where(l => l.StartsWith("ilgpuvae:", StringComparison.Ordinal)).ToArray();
            Assert.That(lines, Has.Length.EqualTo(1), child.Stderr);
            Assert.That(lines[0], Does.StartWith($"ilgpuvae: stopped by {(signal == Sigterm ? "SIGTERM" : "SIGINT")}"));
        }
        using var again = new RunnerProcess(args);
        Assert.That(again.WaitForExit(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.Success), "the same command again: " + again.Stderr);
    }

    /// <summary>A command that cannot stop cleanly (here `eval`, in its importance sampling) ends at a signal at once, with 130 and one line.</summary>
    [Test]
    public void ASignalStopsOtherCommandsWith130AndOneLine()
    {
        using (var train = new RunnerProcess(["train", "--data", _data, "--accelerator", "cpu", "--out", _run, "--hidden", "8", "--latent", "2", "--batch-size", "10", "--epochs", "1", "--train-limit", "100"]))
            Assert.That(train.WaitForExit(TimeSpan.FromSeconds(60)), Is.EqualTo(ExitCodes.Success), train.Stderr);
        string big = SyntheticIdx.WriteDataset(Path.Combine(_dir, "big-test"), 100, 20000, 4, 4, labels: false);
        using var eval = new RunnerProcess("eval", "--model", _run, "--data", big, "--accelerator", "cpu", "--samples", "5000");
        Assert.That(eval.WaitForStderr("estimating log p(x)", StartTimeout), Is.True, eval.Stderr);
        eval.Signal(2);
        Assert.That(eval.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(ExitCodes.Interrupted), eval.Stderr);
        Assert.That(eval.Stderr.Split('\n').Where(l => l.StartsWith("ilgpuvae:", StringComparison.Ordinal)), Is.EqualTo(new[] { "ilgpuvae: stopped by SIGINT" }));
    }

    private static bool SpinUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > StartTimeout) return false;
            Thread.Sleep(1);
        }
        return true;
    }
}

using System.Text.Json;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// `train --resume` continues the run it names: on the run's own data (by content: a changed or other
/// data set is refused, the same images under another path are fine) and with every setting the run had
/// (checkpointing, divergence policy), unless one that may change is given anew. In process on the CPU:
/// a 16-8-2 model on 200 synthetic 4×4 images, 10 steps of 20 per epoch.
/// </summary>
[TestFixture]
public sealed class ResumeKeepsTheRunTests : TinyRunFixture
{
    /// <summary>Exactly the command the program prints when it is stopped.</summary>
    private static (int Code, string Out, string Err) Resume(string run, params string[] extra) => Cli(["train", "--resume", run, .. extra]);

    private static Engine.Training.TrainingState Newest(string run) => CheckpointFile.Load(Path.Combine(run, "model.ckpt"));

    /// <summary>A copy of the synthetic data with one pixel of the training set changed.</summary>
    private string ChangedCopy(string name, int imageByte)
    {
        string copy = SyntheticIdx.WriteDataset(Path.Combine(Dir, name), 200, 40, 4, 4, labels: false);
        string images = Path.Combine(copy, "train-images-idx3-ubyte");
        var bytes = File.ReadAllBytes(images);
        bytes[16 + imageByte] ^= 0x40;
        File.WriteAllBytes(images, bytes);
        return copy;
    }

    /// <summary>
    /// The resumed run, started with nothing but --resume, trains on the run's data and ends with the bits of
    /// a run that never stopped. It used to load the default data set (MNIST) instead.
    /// </summary>
    [Test]
    public void ResumeTrainsOnTheRunsOwnData()
    {
        string straight = Path.Combine(Dir, "straight"), run = Path.Combine(Dir, "run");
        Assert.That(Train(straight, "--epochs", "3").Code, Is.EqualTo(0));
        Assert.That(Train(run, "--epochs", "3").Code, Is.EqualTo(0));
        File.Delete(Path.Combine(run, "model.ckpt"));
        File.Delete(Path.Combine(run, "model.ckpt.1")); // back to epoch 1
        string configBefore = File.ReadAllText(Path.Combine(run, "config.json"));

        var r = Resume(run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(File.ReadAllBytes(Path.Combine(run, "model.ckpt")), Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "model.ckpt"))));
        Assert.That(JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement.GetProperty("data").GetString(), Is.EqualTo(Data));
        // The accelerator is chosen on every start (auto here); everything else in config.json is the run's.
        string Settings(string json) => string.Join("\n", json.Split('\n').Where(l => !l.Contains("\"accelerator\"")));
        Assert.That(Settings(File.ReadAllText(Path.Combine(run, "config.json"))), Is.EqualTo(Settings(configBefore)), "config.json says what the run is, unchanged");
        Assert.That(Newest(run).Data!.SameContent(Newest(straight).Data!));
    }

    /// <summary>Other images of the same size, or the run's folder after one of its files changed, are refused; nothing on disk changes.</summary>
    [TestCase("other")]
    [TestCase("changed")]
    public void ResumeRefusesOtherData(string how)
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        var before = CheckpointRotation.Files(Path.Combine(run, "model.ckpt")).Select(File.ReadAllBytes).ToArray();
        string metrics = File.ReadAllText(Path.Combine(run, "metrics.jsonl"));
        (int Code, string Out, string Err) r;
        if (how == "other")
        {
            r = Resume(run, "--epochs", "2", "--data", ChangedCopy("other", 5));
        }
        else
        {
            string images = Path.Combine(Data, "train-images-idx3-ubyte");
            var bytes = File.ReadAllBytes(images);
            bytes[^1] ^= 1;
            File.WriteAllBytes(images, bytes);
            r = Resume(run, "--epochs", "2");
        }
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        Assert.That(r.Err, Does.Contain("the run was trained on").And.Contain("is other data").And.Contain("SHA-256"));
        Assert.That(CheckpointRotation.Files(Path.Combine(run, "model.ckpt")).Select(File.ReadAllBytes), Is.EqualTo(before));
        Assert.That(File.ReadAllText(Path.Combine(run, "metrics.jsonl")), Is.EqualTo(metrics));
    }

    /// <summary>The same images in another folder are the same data: a moved data folder resumes, by naming it; unnamed, the message says so.</summary>
    [Test]
    public void AMovedDataFolderResumesWhenNamed()
    {
        string run = Path.Combine(Dir, "run"), straight = Path.Combine(Dir, "straight");
        Assert.That(Train(straight, "--epochs", "2").Code, Is.EqualTo(0));
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        string moved = Path.Combine(Dir, "moved");
        Directory.Move(Data, moved);
        var lost = Resume(run, "--epochs", "2");
        Assert.That(lost.Code, Is.EqualTo(ExitCodes.BadInput), lost.Err);
        Assert.That(lost.Err, Does.Contain("the run's data cannot be loaded").And.Contain("give --data with the same images"));
        var r = Resume(run, "--epochs", "2", "--data", moved);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(Newest(run).Parameters, Is.EqualTo(Newest(straight).Parameters));
    }

    /// <summary>
    /// --keep-checkpoints and --checkpoint-every survive a resume: a run told to keep 10 keeps 10, with its
    /// step checkpoints. They used to fall back to 3 and epoch ends only.
    /// </summary>
    [Test]
    public void ResumeKeepsTheCheckpointSettings()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--keep-checkpoints", "10", "--checkpoint-every", "3").Code, Is.EqualTo(0));
        var r = Resume(run, "--epochs", "4");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        var steps = CheckpointRotation.Files(Path.Combine(run, "model.ckpt")).Select(f => CheckpointFile.Load(f).Step).ToArray();
        Assert.That(steps, Is.EqualTo(new long[] { 40, 39, 36, 33, 30, 27, 24, 21, 20, 18 }), "every 3rd step and each epoch end, the last 10");
        var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement;
        Assert.That((config.GetProperty("keep_checkpoints").GetInt32(), config.GetProperty("checkpoint_every").GetInt32()), Is.EqualTo((10, 3)));
    }

    /// <summary>A setting that changes no result may be given anew on resume, and the new value then stays with the run.</summary>
    [Test]
    public void ASettingGivenOnResumeReplacesTheRunsOwn()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--keep-checkpoints", "10", "--checkpoint-every", "3").Code, Is.EqualTo(0));
        Assert.That(Resume(run, "--epochs", "2", "--keep-checkpoints", "2").Code, Is.EqualTo(0));
        Assert.That(CheckpointRotation.Files(Path.Combine(run, "model.ckpt")), Has.Count.EqualTo(2));
        Assert.That(Resume(run, "--epochs", "4").Code, Is.EqualTo(0));
        Assert.That(CheckpointRotation.Files(Path.Combine(run, "model.ckpt")), Has.Count.EqualTo(2), "2 is now the run's own");
        Assert.That(CheckpointFile.Load(Path.Combine(run, "model.ckpt.1")).Step, Is.EqualTo(39), "still every 3rd step");
    }

    /// <summary>--on-divergence rollback stays with the run: a resume with a learning rate that explodes rolls back without being told again.</summary>
    [Test]
    public void ResumeKeepsTheDivergencePolicy()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--optimizer", "sgd", "--lr", "0.5", "--on-divergence", "rollback").Code, Is.EqualTo(0));
        var r = Resume(run, "--lr", "32", "--epochs", "3");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("rolled back to model.ckpt (step 10) with the learning rate halved to 16"));
    }

    /// <summary>A checkpoint of format version 2 records no run settings: they come from the run's config.json.</summary>
    [Test]
    public void AnOlderCheckpointTakesTheSettingsFromConfigJson()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1", "--keep-checkpoints", "10", "--checkpoint-every", "3", "--min-log-variance", "-4").Code, Is.EqualTo(0));
        foreach (string file in CheckpointRotation.Files(Path.Combine(run, "model.ckpt")))
        {
            var bytes = File.ReadAllBytes(file);
            var header = CheckpointBytes.Header(bytes);
            header.Remove("data");
            header.Remove("run_options");
            header["training"]!.AsObject().Remove("batch_parts");
            File.WriteAllBytes(file, CheckpointBytes.WithHeader(bytes, header, version: 2));
            Assert.That(CheckpointFile.Load(file).Data, Is.Null);
        }
        var r = Resume(run, "--epochs", "2");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Contain("taking them from the run's config.json").And.Contain("cannot be checked"));
        Assert.That(CheckpointRotation.Files(Path.Combine(run, "model.ckpt")), Has.Count.EqualTo(8), "10 kept: steps 20, 18, 15, 12, 10, 9, 6, 3");
        Assert.That(JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement.GetProperty("min_log_variance").GetSingle(), Is.EqualTo(-4f),
            "config.json records the model's floor, not the option's default");
        Assert.That(Newest(run).Data, Is.Not.Null, "the new checkpoints record the data");
    }

    /// <summary>A model is evaluated and drawn on its own data unless --data says otherwise.</summary>
    [Test]
    public void EvalUsesTheModelsOwnData()
    {
        string run = Path.Combine(Dir, "run");
        Assert.That(Train(run, "--epochs", "1").Code, Is.EqualTo(0));
        double reported = JsonDocument.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))[0]).RootElement.GetProperty("test_elbo").GetDouble();
        var r = Cli("eval", "--model", run, "--accelerator", "cpu", "--samples", "0", "--json");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(JsonDocument.Parse(r.Out).RootElement.GetProperty("test_elbo").GetDouble(), Is.EqualTo(reported));
        var report = Cli("reconstruct", "--model", run, "--accelerator", "cpu", "--count", "4", "--out", Path.Combine(Dir, "r.png"));
        Assert.That(report.Code, Is.EqualTo(0), report.Err);
    }

    /// <summary>The same images are one identity whatever the folder, compression or labels; one changed pixel is another.</summary>
    [Test]
    public void TheIdentityIsTheContent()
    {
        var a = Engine.Data.DataSources.Load(Data, new Engine.Data.DataOptions());
        string copy = Path.Combine(Dir, "copy");
        SyntheticIdx.WriteDataset(copy, 200, 40, 4, 4, gzip: true, labels: true);
        var b = Engine.Data.DataSources.Load(copy, new Engine.Data.DataOptions());
        Assert.That(a.Identity.SameContent(b.Identity), "raw or gzipped, with labels or without: the same images");
        Assert.That(a.Identity.Name, Is.Not.EqualTo(b.Identity.Name));
        var c = Engine.Data.DataSources.Load(ChangedCopy("changed", 0), new Engine.Data.DataOptions());
        Assert.That(a.Identity.SameContent(c.Identity), Is.False, "one pixel differs");
    }
}

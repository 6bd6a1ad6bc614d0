using System.Text.Json;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// The command line as scripts drive it, in process: --config files (values, precedence, errors), the
/// config.json a run writes and its reuse, --json documents on stdout, and --quiet.
/// Data: 240 training and 50 test images of 4×4; a 16-8-2 model trains in milliseconds.
/// </summary>
[TestFixture]
public sealed class ScriptingTests
{
    private string _dir = "";
    private string _data = "";
    private string[] Tiny => ["--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu"];

    [OneTimeSetUp]
    public void CreateData()
    {
        _dir = SyntheticIdx.NewTempDirectory();
        _data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(_data);
        SyntheticIdx.WriteImages(Path.Combine(_data, "train-images-idx3-ubyte"), 240, 4, 4);
        SyntheticIdx.WriteImages(Path.Combine(_data, "t10k-images-idx3-ubyte"), 50, 4, 4);
    }

    [OneTimeTearDown]
    public void RemoveData() => Directory.Delete(_dir, recursive: true);


    private string WriteConfig(string name, string json)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    private string Folder(string name) => Path.Combine(_dir, name);

    [Test]
    public void ConfigFileSuppliesOptionsAndTheCommandLineWins()
    {
        string config = WriteConfig("train.json", $$"""
            {
              "_comment": "keys starting with _ are ignored",
              "data": {{JsonSerializer.Serialize(_data)}},
              "hidden": [8, 4],
              "latent": 2,
              "batch-size": 20,
              "epochs": 3,
              "accelerator": "cpu",
              "train_limit": null
            }
            """);
        string run = Folder("from-config");
        var r = Run("train", "--config", config, "--epochs", "1", "--out", run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), Has.Length.EqualTo(1), "--epochs 1 on the command line beats 3 in the file");
        var state = CheckpointFile.Load(Path.Combine(run, "model.ckpt"));
        Assert.That(state.Model.HiddenSizes, Is.EqualTo(new[] { 8, 4 }), "an array is a comma-separated list");
        Assert.That(state.Training.BatchSize, Is.EqualTo(20));
    }

    [Test]
    public void TheConfigARunWritesRepeatsTheRun()
    {
        string first = Folder("original");
        var r = Run(["train", .. Tiny, "--epochs", "2", "--optimizer", "adam", "--binarize", "dynamic", "--seed", "9", "--out", first]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        string written = Path.Combine(first, "config.json");
        var config = JsonDocument.Parse(File.ReadAllText(written)).RootElement;
        Assert.That(config.GetProperty("optimizer").GetString(), Is.EqualTo("adam"));
        Assert.That(config.GetProperty("lr").GetSingle(), Is.EqualTo(0.001f), "the learning rate in effect, not 'default'");
        Assert.That(config.GetProperty("data").GetString(), Is.EqualTo(Path.GetFullPath(_data)), "data folders as absolute paths");
        Assert.That(config.TryGetProperty("out", out _), Is.False, "the run folder is not part of the configuration");

        string second = Folder("repeated");
        var again = Run("train", "--config", written, "--out", second);
        Assert.That(again.Code, Is.EqualTo(0), again.Err);
        // "Bit for bit" is the whole checkpoint file: its header (both configurations, the learning rate
        // included), the counters, parameters and optimizer state, and the checksum over them.
        Assert.That(File.ReadAllBytes(Path.Combine(second, "model.ckpt")), Is.EqualTo(File.ReadAllBytes(Path.Combine(first, "model.ckpt"))),
            "the repeated run's checkpoint file");
        Assert.That(File.ReadAllLines(Path.Combine(second, "metrics.jsonl")).Select(WithoutTimes),
            Is.EqualTo(File.ReadAllLines(Path.Combine(first, "metrics.jsonl")).Select(WithoutTimes)), "the same ELBOs, epoch by epoch");
        Assert.That(File.ReadAllText(Path.Combine(second, "config.json")), Is.EqualTo(File.ReadAllText(written)), "the same effective config");
        var state = CheckpointFile.Load(Path.Combine(second, "model.ckpt"));
        Assert.That(state.Training.LearningRate, Is.EqualTo(0.001f), "the checkpoint records the rate in effect, as config.json does");
        Assert.That(state.Model.HiddenSizes, Is.EqualTo(new[] { 8 }));
    }

    /// <summary>A metrics line without its wall-clock fields, which no two runs share.</summary>
    private static string WithoutTimes(string line)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(line)!.AsObject();
        node.Remove("seconds");
        node.Remove("eval_seconds");
        return node.ToJsonString();
    }

    [TestCase("""{"hiden": 8}""", "unknown key 'hiden'")]
    [TestCase("""{"latent": "abc"}""", "abc")]
    [TestCase("""{"latent": 0}""", "--latent")]
    [TestCase("""{"optimizer": "adamw"}""", "adamw")]
    [TestCase("""{"latent": {"size": 2}}""", "not an object")]
    [TestCase("""{"config": "other.json"}""", "unknown key 'config'")]
    [TestCase("""[1, 2]""", "expected a JSON object")]
    [TestCase("""{"latent": 2""", "not valid JSON")]
    public void BadConfigFilesGiveOneLineAndExitCode2(string json, string fragment)
    {
        string config = WriteConfig($"bad-{Guid.NewGuid():N}.json", json);
        var r = Run(["train", "--config", config, .. Tiny[..2], "--out", Folder($"bad-{Guid.NewGuid():N}")]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('[')).ToArray();
        Assert.That(lines, Has.Length.EqualTo(1), r.Err);
        Assert.That(lines[0], Does.Contain(fragment));
        Assert.That(r.Out, Is.Empty);
    }

    [Test]
    public void AMissingConfigFileIsBadInput()
    {
        var r = Run("devices", "--config", Folder("no-such.json"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.Err, Does.Contain("no-such.json"));
    }

    [Test]
    public void EveryCommandTakesConfigAndQuiet()
    {
        foreach (var command in new[] { "train", "eval", "devices", "data", "bench", "verify" })
        {
            var help = Run(command, "--help");
            Assert.That(help.Out, Does.Contain("--config").And.Contain("--quiet"), command);
        }
        string config = WriteConfig("devices.json", "\uFEFF" + """{"json": true, "quiet": true}"""); // with a byte-order mark
        var r = Run("devices", "--config", config);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(JsonDocument.Parse(r.Out).RootElement.GetProperty("devices").GetArrayLength(), Is.GreaterThan(0));
    }

    [Test]
    public void JsonDocumentsOnStdout()
    {
        var devices = Run("devices", "--json");
        Assert.That(devices.Code, Is.EqualTo(0), devices.Err);
        var list = JsonDocument.Parse(devices.Out).RootElement.GetProperty("devices").EnumerateArray().ToList();
        Assert.That(list.Any(d => d.GetProperty("kind").GetString() == "cpu" && d.GetProperty("usable").GetBoolean()));

        string run = Folder("for-eval");
        Assert.That(Run(["train", .. Tiny, "--epochs", "1", "--out", run, "--quiet"]).Code, Is.EqualTo(0));
        double reported = JsonDocument.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))[0]).RootElement.GetProperty("test_elbo").GetDouble();
        var eval = Run("eval", "--model", run, "--data", _data, "--accelerator", "cpu", "--json");
        Assert.That(eval.Code, Is.EqualTo(0), eval.Err);
        var result = JsonDocument.Parse(eval.Out).RootElement;
        Assert.That(result.GetProperty("test_elbo").GetDouble(), Is.EqualTo(reported));
        Assert.That(result.GetProperty("images").GetInt32(), Is.EqualTo(50));
        Assert.That(result.GetProperty("epoch").GetInt32(), Is.EqualTo(1));

        var bench = Run("bench", "--json", "--steps", "2", "--repeats", "1", "--hidden", "8", "--latent", "2", "--batch-size", "10", "--accelerator", "cpu");
        Assert.That(bench.Code, Is.EqualTo(0), bench.Err);
        var figures = JsonDocument.Parse(bench.Out).RootElement;
        Assert.That(figures.GetProperty("samples_per_second").GetDouble(), Is.GreaterThan(0));
        Assert.That(figures.GetProperty("seconds").GetArrayLength(), Is.EqualTo(1));

        // One CPU thread against all cores computes the same bits (the determinism contract), so this
        // verify must pass; a verify that fails is tests/Verification/VerifyMismatchTests.
        var verify = Run("verify", "--json", "--accelerator", "cpu", "--skip-training");
        Assert.That(verify.Code, Is.EqualTo(ExitCodes.Success), verify.Err);
        var report = JsonDocument.Parse(verify.Out).RootElement;
        Assert.That(report.GetProperty("identical").GetBoolean(), Is.True);
        var checks = report.GetProperty("checks").EnumerateArray().ToList();
        Assert.That(checks.Select(c => c.GetProperty("name").GetString()), Is.EqualTo(Engine.Verification.KernelChecks.All.Select(c => c.Name)));
        Assert.That(checks.All(c => c.GetProperty("max_ulp_distance").GetInt64() == 0 && c.GetProperty("elements_compared").GetInt64() > 0));
    }

    [Test]
    public void NoCudaGraphsIsAcceptedOffCudaAndChangesNothing()
    {
        string plain = Folder("graphs-default"), direct = Folder("graphs-off");
        Assert.That(Run(["train", .. Tiny, "--epochs", "1", "--out", plain, "--quiet"]).Code, Is.EqualTo(0));
        var r = Run(["train", .. Tiny, "--epochs", "1", "--out", direct, "--quiet", "--no-cuda-graphs"]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(File.ReadAllLines(Path.Combine(direct, "metrics.jsonl"))[0].Split("\"seconds")[0],
            Is.EqualTo(File.ReadAllLines(Path.Combine(plain, "metrics.jsonl"))[0].Split("\"seconds")[0]));
        var bench = Run("bench", "--json", "--steps", "2", "--repeats", "1", "--hidden", "8", "--latent", "2", "--batch-size", "10", "--accelerator", "cpu", "--no-cuda-graphs");
        Assert.That(bench.Code, Is.EqualTo(0), bench.Err);
        Assert.That(JsonDocument.Parse(bench.Out).RootElement.GetProperty("kernel_sequences").ValueKind, Is.EqualTo(JsonValueKind.Null), "only CUDA reports graph replays");
    }

    [Test]
    public void QuietLeavesOnlyResultsAndErrors()
    {
        string run = Folder("quiet");
        var r = Run(["train", .. Tiny, "--epochs", "2", "--out", run, "--quiet"]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Is.Empty, "no log or progress lines");
        Assert.That(r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2), "one result line per epoch");
        var loud = Run(["train", .. Tiny, "--epochs", "1", "--out", Folder("loud")]);
        Assert.That(loud.Err, Does.Contain("accelerator: "), "without --quiet, timestamped log lines on stderr");

        var failed = Run("eval", "-q", "--model", Folder("no-such-run"));
        Assert.That(failed.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(failed.Err, Does.Contain("no-such-run"), "errors are still reported");
    }
}

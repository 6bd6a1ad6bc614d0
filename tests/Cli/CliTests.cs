using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>The command line end to end, in process: bad input gives one line and exit code 2; a tiny run writes its outputs.</summary>
[TestFixture]
public sealed class CliTests
{
    private string _dir = "";
    private string _data = "";

    [OneTimeSetUp]
    public void CreateData()
    {
        _dir = Path.Combine(Path.GetTempPath(), "ilgpuvae-cli-" + Guid.NewGuid().ToString("N"));
        _data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(_data);
        SyntheticIdx.WriteImages(Path.Combine(_data, "train-images-idx3-ubyte"), 240, 4, 4);
        SyntheticIdx.WriteImages(Path.Combine(_data, "t10k-images-idx3-ubyte"), 50, 4, 4);
    }

    [OneTimeTearDown]
    public void RemoveData() => Directory.Delete(_dir, recursive: true);


    /// <summary>Exit code 2 and exactly one error line (log lines aside) holding <paramref name="expectedFragment"/>, without a stack trace.</summary>
    internal static void AssertBadInput((int Code, string Out, string Err) r, string expectedFragment)
    {
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('[')).ToArray();
        Assert.That(lines, Has.Length.EqualTo(1), "exactly one error line: " + r.Err);
        Assert.That(lines[0], Does.Contain(expectedFragment));
        Assert.That(r.Err, Does.Not.Contain("   at "), "no stack trace");
    }

    [TestCase(new[] { "train", "--bogus" }, "--bogus")]
    [TestCase(new[] { "frobnicate" }, "frobnicate")]
    [TestCase(new[] { "train", "--latent", "0" }, "--latent")]
    [TestCase(new[] { "train", "--latent", "-3" }, "--latent")]
    [TestCase(new[] { "train", "--latent", "abc" }, "abc")]
    [TestCase(new[] { "train", "--hidden", "500,x" }, "--hidden")]
    [TestCase(new[] { "train", "--hidden", "0" }, "--hidden")]
    [TestCase(new[] { "train", "--batch-size", "0" }, "--batch-size")]
    [TestCase(new[] { "train", "--lr", "0" }, "--lr")]
    [TestCase(new[] { "train", "--lr", "-0.1" }, "--lr")]
    [TestCase(new[] { "train", "--optimizer", "adamw" }, "adamw")]
    [TestCase(new[] { "train", "--likelihood", "poisson" }, "poisson")]
    [TestCase(new[] { "train", "--samples", "0" }, "--samples")]
    [TestCase(new[] { "train", "--epochs", "-1" }, "--epochs")]
    [TestCase(new[] { "train", "--train-limit", "0" }, "--train-limit")]
    [TestCase(new[] { "train", "--accelerator", "tpu" }, "tpu")]
    [TestCase(new[] { "eval" }, "--model")]
    [TestCase(new[] { "eval", "--model", "/nonexistent/model.ckpt" }, "no such checkpoint")]
    [TestCase(new[] { "train", "--resume", "/nonexistent/run" }, "--resume")]
    public void BadArgumentsGiveOneLineAndExitCode2(string[] args, string fragment) => AssertBadInput(Run(args), fragment);

    [Test]
    public void MissingDataFolderIsBadInput()
    {
        var r = Run("train", "--data", Path.Combine(_dir, "no-such-folder"), "--out", Path.Combine(_dir, "run-missing"));
        AssertBadInput(r, "no-such-folder");
    }

    [Test]
    public void CorruptCheckpointIsBadInput()
    {
        string path = Path.Combine(_dir, "corrupt.ckpt");
        File.WriteAllBytes(path, new byte[100]);
        AssertBadInput(Run("eval", "--model", path, "--data", _data), "corrupt.ckpt");
    }

    /// <summary>Every command path of the program (hidden ones too), from its command tree.</summary>
    private static IEnumerable<string[]> CommandPaths()
    {
        var root = Cli.CreateRoot(new CliConsole(TextWriter.Null, TextWriter.Null, false), new ScriptingOptions());
        IEnumerable<string[]> Walk(System.CommandLine.Command command, string[] path) =>
            command.Subcommands.SelectMany(sub => Walk(sub, [.. path, sub.Name]).Prepend([.. path, sub.Name]));
        return Walk(root, []);
    }

    [Test]
    public void HelpWorksForEveryCommand()
    {
        var paths = CommandPaths().ToList();
        Assert.That(paths.Select(p => string.Join(' ', p)), Is.SupersetOf(new[] { "train", "eval", "devices", "data", "bench", "verify", "manifold", "experiment fig2" }));
        foreach (var path in paths)
        {
            string name = string.Join(' ', path);
            var r = Run([.. path, "--help"]);
            Assert.That(r.Code, Is.EqualTo(0), name);
            Assert.That(r.Out, Does.Contain("Usage:").And.Contain($" {name} "), name);
            Assert.That(r.Err, Is.Empty, name);
            // A choice is listed once, whatever letter case the option accepts (`<A|B>`, not `<A|a|B|b>`).
            foreach (System.Text.RegularExpressions.Match choices in System.Text.RegularExpressions.Regex.Matches(r.Out, @"<([^<>\s]+\|[^<>\s]+)>"))
            {
                var listed = choices.Groups[1].Value.Split('|');
                Assert.That(listed.Select(c => c.ToLowerInvariant()), Is.Unique, $"{name}: {choices.Value}");
            }
        }
    }

    [Test]
    public void TheEstimatorTakesEitherCase()
    {
        string run = Path.Combine(_dir, "run-estimator");
        var r = Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "1", "--estimator", "a",
            "--accelerator", "cpu", "--out", run, "-q");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(Engine.Checkpoints.CheckpointFile.Load(Path.Combine(run, "model.ckpt")).Model.Estimator, Is.EqualTo(IlgpuVae.Kernels.KlEstimator.MonteCarlo));
        Assert.That(Run("train", "--estimator", "C").Code, Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void VersionIsTheEngineVersionThatConfigJsonRecords()
    {
        var r = Run("--version");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Out.Trim(), Does.Match(@"^\d+\.\d+\.\d+"));
        string run = Path.Combine(_dir, "run-version");
        Assert.That(Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "1", "--accelerator", "cpu", "--out", run, "-q").Code, Is.EqualTo(0));
        var config = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(run, "config.json"))).RootElement;
        Assert.That(config.GetProperty("_engine_version").GetString(), Is.EqualTo(r.Out.Trim()));
    }

    [Test]
    public void DevicesListsTheCpu()
    {
        var r = Run("devices");
        Assert.That(r.Code, Is.EqualTo(0));
        Assert.That(r.Out, Does.Contain("cpu").And.Contain("usable"));
    }

    [Test]
    public void TrainWritesRunFolderAndEvalReproducesTheTestElbo()
    {
        string run = Path.Combine(_dir, "run");
        var r = Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "2",
            "--accelerator", "cpu", "--out", run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(File.Exists(Path.Combine(run, "config.json")));
        Assert.That(File.Exists(Path.Combine(run, "model.ckpt")));
        var metrics = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"));
        Assert.That(metrics, Has.Length.EqualTo(2));
        foreach (var key in new[] { "\"epoch\"", "\"samples\"", "\"train_elbo\"", "\"test_elbo\"", "\"seconds\"", "\"accelerator\"" })
            Assert.That(metrics[1], Does.Contain(key));
        var last = System.Text.Json.JsonDocument.Parse(metrics[1]).RootElement;
        double testElbo = last.GetProperty("test_elbo").GetDouble();

        var e = Run("eval", "--model", run, "--data", _data, "--accelerator", "cpu");
        Assert.That(e.Code, Is.EqualTo(0), e.Err);
        Assert.That(e.Out, Does.Contain($"test ELBO {testElbo.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)}"));

        // A second run into the same folder must not overwrite the saved one.
        var again = Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--out", run);
        AssertBadInput(again, "already holds a training run");
    }

    [Test]
    public void ResumeContinuesToTheRequestedEpochs()
    {
        string run = Path.Combine(_dir, "run-resume");
        var common = new[] { "--data", _data, "--accelerator", "cpu" };
        var first = Run([.. new[] { "train", "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "1", "--out", run }, .. common]);
        Assert.That(first.Code, Is.EqualTo(0), first.Err);
        var second = Run([.. new[] { "train", "--resume", run, "--epochs", "2" }, .. common]);
        Assert.That(second.Code, Is.EqualTo(0), second.Err);
        Assert.That(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), Has.Length.EqualTo(2));
    }

    [Test]
    public void ImagesOfTheWrongSizeForASavedModelAreBadInput()
    {
        string run = Path.Combine(_dir, "run-size");
        var r = Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "1", "--out", run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        string other = Path.Combine(_dir, "data-5x5");
        Directory.CreateDirectory(other);
        SyntheticIdx.WriteImages(Path.Combine(other, "train-images-idx3-ubyte"), 40, 5, 5);
        SyntheticIdx.WriteImages(Path.Combine(other, "t10k-images-idx3-ubyte"), 10, 5, 5);
        AssertBadInput(Run("eval", "--model", run, "--data", other), "pixels");
    }
}

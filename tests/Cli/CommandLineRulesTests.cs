using System.Text.Json;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// The rules every option value follows (<see cref="CommandLineRules"/>): numbers only as plain invariant
/// numbers, no empty values, '@' never read as a response file, on the command line and in --config files;
/// and values that would crash, hang or mislead (absurd thread counts, zero epochs) refused up front.
/// </summary>
[TestFixture]
public sealed class CommandLineRulesTests
{
    private string _dir = "";
    private string _data = "";
    private string[] Tiny => ["--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "--epochs", "1"];

    [OneTimeSetUp]
    public void CreateData()
    {
        _dir = SyntheticIdx.NewTempDirectory();
        _data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 240, 50, 4, 4, labels: false);
    }

    [OneTimeTearDown]
    public void RemoveData() => Directory.Delete(_dir, recursive: true);

    private string Folder(string name) => Path.Combine(_dir, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>`train` on the tiny data with <paramref name="extra"/> replacing the tiny options of the same name.</summary>
    private string[] Train(params string[] extra)
    {
        var args = new List<string> { "train" };
        for (int i = 0; i < Tiny.Length; i += 2)
            if (!extra.Contains(Tiny[i])) args.AddRange(Tiny[i..(i + 2)]);
        args.AddRange(extra);
        return [.. args];
    }

    /// <summary>Numbers that .NET reads in some other way than they look (0,01 as 1, for one), or not at all, are refused by name.</summary>
    [TestCase("--lr", "0,01")]
    [TestCase("--lr", "1,000")]
    [TestCase("--lr", " 0.01")]
    [TestCase("--lr", "0.01 ")]
    [TestCase("--lr", "0x10")]
    [TestCase("--lr", "NaN")]
    [TestCase("--lr", "Infinity")]
    [TestCase("--lr", "-Infinity")]
    [TestCase("--lr", "1e999")]
    [TestCase("--lr", "1_000")]
    [TestCase("--lr", "٠٫٠١")]
    [TestCase("--lr", "1.2.3")]
    [TestCase("--weight-decay", "1e-3,5")]
    [TestCase("--min-log-variance", "−6")]
    [TestCase("--latent", "1.5")]
    [TestCase("--latent", "2,0")]
    [TestCase("--latent", "1e1")]
    [TestCase("--latent", " 2")]
    [TestCase("--latent", "99999999999")]
    [TestCase("--seed", "-1")]
    [TestCase("--seed", "1.0")]
    [TestCase("--train-limit", "1,000")]
    [TestCase("--keep-checkpoints", "0x3")]
    public void ANumberThatIsNotPlainIsRefused(string option, string value)
    {
        string run = Folder("loose");
        var r = Run(Train(option, value, "--out", run));
        CliTests.AssertBadInput(r, option);
        Assert.That(r.Err, Does.Contain($"'{value}'").Or.Contain(value.Trim()), "the value is named");
        Assert.That(Directory.Exists(run), Is.False, "nothing was started");
    }

    [TestCase("eval", "--samples", "5,000")]
    [TestCase("eval", "--test-limit", "10.0")]
    [TestCase("manifold", "--grid", "2e1")]
    [TestCase("experiment fig2", "--budget-samples", "1e6")]
    [TestCase("experiment fig2", "--lr", "0,01")]
    [TestCase("bench", "--batch-size", "1,000")]
    public void EveryCommandReadsNumbersTheSameWay(string command, string option, string value)
    {
        string[] model = command is "eval" or "manifold" ? ["--model", Folder("none")] : [];
        var r = Run([.. command.Split(' '), option, value, .. model]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        Assert.That(r.Err, Does.Contain(option).And.Contain(value));
    }

    /// <summary>Plain numbers in every spelling the invariant format allows give exactly the bits of the number.</summary>
    [TestCase("0.01")]
    [TestCase("1e-2")]
    [TestCase("1E-2")]
    [TestCase(".01")]
    [TestCase("+0.01")]
    [TestCase("0.0100")]
    public void PlainNumbersAreRead(string lr)
    {
        string run = Folder("plain");
        var r = Run(Train("--lr", lr, "--out", run));
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(BitConverter.SingleToInt32Bits(CheckpointFile.Load(Path.Combine(run, "model.ckpt")).Training.EffectiveLearningRate),
            Is.EqualTo(BitConverter.SingleToInt32Bits(0.01f)));
    }

    /// <summary>A value from a --config file follows the same rules: a string "0,01" is refused, the JSON number 0.01 is read.</summary>
    [Test]
    public void ConfigFileNumbersFollowTheSameRules()
    {
        string loose = Path.Combine(_dir, "loose.json");
        File.WriteAllText(loose, """{"lr": "0,01"}""");
        var r = Run(["train", "--config", loose, .. Tiny, "--out", Folder("config-loose")]);
        CliTests.AssertBadInput(r, "0,01");
        string plain = Path.Combine(_dir, "plain.json");
        File.WriteAllText(plain, """{"lr": 0.01, "latent": 2}""");
        string run = Folder("config-plain");
        Assert.That(Run(["train", "--config", plain, .. Tiny, "--out", run]).Code, Is.EqualTo(0));
    }

    /// <summary>
    /// "@FILE" is a value, never the words of FILE (a response file): on the command line and in a --config
    /// file, where the parser used to expand it too.
    /// </summary>
    [Test]
    public void AValueStartingWithAtIsTheValueItself()
    {
        string words = Path.Combine(_dir, "words.txt");
        File.WriteAllText(words, "8\n");
        var typed = Run(Train("--hidden", "@" + words, "--out", Folder("at")));
        CliTests.AssertBadInput(typed, "'@" + words + "' is not a whole number");

        string config = Path.Combine(_dir, "at.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new Dictionary<string, string> { ["hidden"] = "@" + words }));
        var fromFile = Run(["train", "--config", config, "--data", _data, "--accelerator", "cpu", "--out", Folder("at-config")]);
        CliTests.AssertBadInput(fromFile, "'@" + words + "' is not a whole number");

        var whole = Run(["train", "@" + words]);
        CliTests.AssertBadInput(whole, "@" + words);

        string atFolder = Path.Combine(_dir, "@data");
        SyntheticIdx.WriteDataset(atFolder, 240, 50, 4, 4, labels: false);
        string run = Folder("at-data");
        var r = Run(["train", "--data", atFolder, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--accelerator", "cpu", "--epochs", "1", "--out", run]);
        Assert.That(r.Code, Is.EqualTo(0), "a folder whose name starts with @ is a folder: " + r.Err);
    }

    /// <summary>An empty value names nothing; every option or argument that takes a path or name refuses it.</summary>
    [TestCase("train", "--out")]
    [TestCase("train", "--resume")]
    [TestCase("train", "--data")]
    [TestCase("train", "--data-dir")]
    [TestCase("train", "--config")]
    [TestCase("train", "--hidden")]
    [TestCase("train", "--accelerator")]
    [TestCase("eval", "--model")]
    [TestCase("eval", "--data")]
    [TestCase("data", "--data")]
    [TestCase("data", "--data-dir")]
    [TestCase("manifold", "--model")]
    [TestCase("sample", "--out")]
    [TestCase("reconstruct", "--model")]
    [TestCase("scatter", "--out")]
    [TestCase("report", "--run")]
    [TestCase("experiment fig2", "--out")]
    [TestCase("experiment fig2", "--latents")]
    [TestCase("devices", "--config")]
    public void AnEmptyValueIsRefused(string command, string option)
    {
        foreach (string empty in new[] { "", " " })
        {
            string[] model = command is "eval" or "sample" or "scatter" && option != "--model" ? ["--model", Folder("none")] : [];
            var r = Run([.. command.Split(' '), option, empty, .. model]);
            Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), $"{command} {option} '{empty}': {r.Err}");
            Assert.That(r.Err, Does.Contain(option).And.Contain("empty value"), r.Err);
            Assert.That(r.Err, Does.Not.Contain("internal error").And.Not.Contain("   at "));
        }
    }

    [Test]
    public void AnEmptyRunFolderArgumentIsRefused()
    {
        var r = Run("curves", "");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput), r.Err);
        Assert.That(r.Err, Does.Contain("empty value"));
    }

    /// <summary>A thread count no machine has is refused before any thread is made (it used to crash or hang the runtime).</summary>
    [TestCase("100000")]
    [TestCase("1025")]
    [TestCase("2147483647")]
    [TestCase("2147483648")]
    public void AnAbsurdThreadCountIsRefused(string threads)
    {
        var r = Run(Train("--threads", threads, "--out", Folder("threads")));
        CliTests.AssertBadInput(r, "--threads");
    }

    /// <summary>Zero epochs is refused before a folder is made; it used to make one and then report a missing checkpoint.</summary>
    [Test]
    public void ZeroEpochsIsRefusedUpFront()
    {
        string run = Folder("zero");
        var r = Run(Train("--epochs", "0", "--out", run));
        CliTests.AssertBadInput(r, "--epochs must be between 1 and 1000000, got 0");
        Assert.That(Directory.Exists(run), Is.False);
        string resumed = Folder("zero-resume");
        Assert.That(Run(["train", .. Tiny, "--out", resumed]).Code, Is.EqualTo(0));
        CliTests.AssertBadInput(Run("train", "--resume", resumed, "--epochs", "0"), "--epochs must be between 1");
    }
}

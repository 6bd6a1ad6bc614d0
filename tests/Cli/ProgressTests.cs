using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// The long commands report progress with the time left: in a batch job's log (stderr not a terminal), a
/// timestamped line at most every 10 s — here at every report, the interval set to zero — and on a
/// terminal a live bar. --quiet silences both.
/// </summary>
[TestFixture]
public sealed class ProgressTests
{
    private TinyRunFolder _folder = null!;
    private string _dir = "", _data = "", _run = "";

    [OneTimeSetUp]
    public void TrainTinyModel()
    {
        string trainLog = "";
        _folder = TinyRunFolder.Create(train: args =>
        {
            var r = RunLogged(null, args);
            trainLog = r.Err;
            return r;
        });
        (_dir, _data, _run) = (_folder.Dir, _folder.Data, _folder.Run);
        Assert.That(trainLog, Does.Match(@"\] epoch 1/2: step \d+/12 \(\d+ %\)  ELBO +-?[0-9.]+ +\d+ samples/s; about \d+ s left"), "train's own progress lines");
    }

    [OneTimeTearDown]
    public void Remove() => _folder.Dispose();

    private static string[] ProgressLines(string err, string what) =>
        err.Split('\n').Where(l => l.StartsWith('[') && l.Contains($"] {what}: ")).ToArray();

    /// <summary>Lines count up to the total; those before the end say how long is left.</summary>
    private static void AssertCountsUp(string[] lines, string unit, int total)
    {
        Assert.That(lines, Is.Not.Empty);
        var done = lines.Select(l => int.Parse(System.Text.RegularExpressions.Regex.Match(l, $@"{unit} (\d+)/{total} ").Groups[1].Value)).ToList();
        Assert.That(done, Is.Ordered.And.All.InRange(1, total));
        Assert.That(done[^1], Is.EqualTo(total), "the last line is at the end");
        Assert.That(lines.Where((_, i) => done[i] < total), Has.All.Match(@"; about \d+ (s|min)( \d+ s)? left$"));
        Assert.That(lines[^1], Does.Not.Contain("left"));
    }

    [Test]
    public void EvalReportsTheImagesOfTheLogLikelihoodEstimate()
    {
        var r = RunLogged(null, "eval", "--model", _run, "--data", _data, "--accelerator", "cpu", "--samples", "1500", "--test-limit", "6");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        AssertCountsUp(ProgressLines(r.Err, "log p(x)"), "image", 6);
    }

    [Test]
    public void VerifyReportsItsChecks()
    {
        var r = RunLogged(null, "verify", "-a", "cpu", "--skip-training");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        AssertCountsUp(ProgressLines(r.Err, "verify"), "check", Engine.Verification.KernelChecks.All.Count);
    }

    [Test]
    public void BenchReportsItsRepetitions()
    {
        var r = RunLogged(null, "bench", "--steps", "2", "--repeats", "3", "--hidden", "8", "--latent", "2", "--batch-size", "10", "--accelerator", "cpu");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        AssertCountsUp(ProgressLines(r.Err, "bench, batch 10"), "repetition", 4);
    }

    [Test]
    public void ExperimentReportsTheStepsOfTheWholeSweep()
    {
        var r = RunLogged(null, "experiment", "fig2", "--data", _data, "--latents", "2,3", "--budget-samples", "200", "--hidden", "8",
            "--train-eval-images", "20", "--accelerator", "cpu", "--out", Path.Combine(_dir, "fig2"));
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        // 240 images make 2 minibatches of 100 per epoch; 200 samples are 1 epoch; two latent sizes.
        var lines = ProgressLines(r.Err, "experiment fig2");
        AssertCountsUp(lines, "step", 4);
        Assert.That(lines.Any(l => l.Contains("Nz = 3")));
    }

    [Test]
    public void QuietShowsNoProgress()
    {
        var r = RunLogged(null, "verify", "-a", "cpu", "--skip-training", "-q");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Is.Empty);
    }

    [Test]
    public void OnATerminalLinesWrittenDuringTheBarGoAboveIt()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = new CliConsole(stdout, stderr, Interactive: true) { OutIsTerminal = true };
        int result = new ProgressDisplay(console).Run("work", 3, "item", report =>
        {
            for (int i = 1; i <= 3; i++)
            {
                console.WriteResult($"result {i}");
                console.Log($"note {i}");
                report(i, $"item {i}");
            }
            return 42;
        });
        Assert.That(result, Is.EqualTo(42));
        Assert.That(stdout.ToString(), Is.Empty, "stdout is the terminal the bar is on: results go through the bar's console");
        Assert.That(stderr.ToString(), Does.Contain("result 3").And.Contain("note 3"));
        Assert.That(console.Live, Is.Null, "the bar is down");

        var piped = new CliConsole(stdout, stderr, Interactive: true) { OutIsTerminal = false };
        new ProgressDisplay(piped).Run("work", 1, "item", report => { piped.WriteResult("to the pipe"); report(1); return 0; });
        Assert.That(stdout.ToString(), Is.EqualTo("to the pipe" + Environment.NewLine), "stdout redirected: results go there");
    }

    [TestCase(0.4, "1 s")]
    [TestCase(59, "59 s")]
    [TestCase(60, "1 min")]
    [TestCase(125, "2 min 5 s")]
    [TestCase(3600, "1 h")]
    [TestCase(3601, "1 h 1 min")]
    [TestCase(7500, "2 h 5 min")]
    public void TimeLeftReadsAsPeopleSayIt(double seconds, string expected) =>
        Assert.That(ProgressDisplay.Describe(TimeSpan.FromSeconds(seconds)), Is.EqualTo(expected));

    [Test]
    public void TimeLeftIsTheRateSoFarTimesTheWorkLeft()
    {
        Assert.That(ProgressDisplay.Remaining(25, 100, TimeSpan.FromSeconds(10)), Is.EqualTo(TimeSpan.FromSeconds(30)));
        Assert.That(ProgressDisplay.Remaining(0, 100, TimeSpan.FromSeconds(10)), Is.Null, "no rate yet");
        Assert.That(ProgressDisplay.Remaining(100, 100, TimeSpan.FromSeconds(10)), Is.Null, "done");
        Assert.That(ProgressDisplay.LogLine("log p(x)", 2500, 10000, "image", null, TimeSpan.FromSeconds(60)),
            Is.EqualTo("log p(x): image 2,500/10,000 (25 %); about 3 min left"));
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Data;
using IlgpuVae.Tests.Figures;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// The experiment commands end to end, in process, on a tiny IDX data set (4×4 images with labels):
/// train writes report.html; eval prints log p(x) above the ELBO; the picture commands write PNGs that
/// SkiaSharp decodes (and SVG for the charts);
/// `experiment fig2` writes its table, its curve and one run folder per latent size.
/// </summary>
[TestFixture]
public sealed class FigureCliTests
{
    private string _dir = "";
    private string _data = "";
    private string _run = "";

    [OneTimeSetUp]
    public void TrainTinyModel()
    {
        _dir = SyntheticIdx.NewTempDirectory();
        _data = SyntheticIdx.WriteDataset(Path.Combine(_dir, "data"), 240, 50, 4, 4);
        _run = Path.Combine(_dir, "run");
        var r = Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "2",
            "--lr", "0.05", "--accelerator", "cpu", "--out", _run);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
    }

    [OneTimeTearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);


    [Test]
    public void TrainWritesAReport()
    {
        ChartFonts.Require();
        string html = File.ReadAllText(Path.Combine(_run, "report.html"));
        Assert.That(Regex.Matches(html, "data:image/png;base64,"), Has.Count.EqualTo(3), "samples, reconstructions, manifold");
        Assert.That(Regex.Matches(html, "data:image/svg\\+xml;base64,"), Has.Count.EqualTo(2), "learning curve, latent scatter");
        Assert.That(Directory.GetFiles(Path.Combine(_run, "figures"), "*.png"), Has.Length.EqualTo(3));
        Assert.That(Directory.GetFiles(Path.Combine(_run, "figures"), "*.svg"), Has.Length.EqualTo(2));
    }

    [Test]
    public void EvalPrintsTheMarginalLikelihoodAboveTheElbo()
    {
        var r = Run("eval", "--model", _run, "--data", _data, "--accelerator", "cpu", "--samples", "300", "--test-limit", "30");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        double elbo = Number(r.Out, @"test ELBO (-?[0-9.]+)");
        double logPx = Number(r.Out, @"test log p\(x\) ≈ (-?[0-9.]+)");
        double meanLogWeight = Number(r.Out, @"mean log-weight (-?[0-9.]+)");
        Assert.That(r.Out, Does.Contain("30 images"));
        // The estimate is at least the mean of its log-weights, image by image (the mean of the weights is at
        // least their geometric mean), hence on average.
        Assert.That(logPx, Is.GreaterThanOrEqualTo(meanLogWeight), r.Out);
        // The mean log-weight (K = 300, Monte Carlo KL) and the printed single-sample ELBO (analytic KL)
        // estimate the same bound; on this deterministic run they differ by 0.072 nats, the noise of one
        // sample per image over 30 images. The window is about three times that.
        Assert.That(meanLogWeight, Is.EqualTo(elbo).Within(0.25), r.Out);

        // With K = 1 the estimate is the log-mean-exp of a single log-weight: that log-weight, exactly.
        var one = Run("eval", "--model", _run, "--data", _data, "--accelerator", "cpu", "--samples", "1", "--test-limit", "30");
        Assert.That(one.Code, Is.EqualTo(0), one.Err);
        Assert.That(Number(one.Out, @"test log p\(x\) ≈ (-?[0-9.]+)"), Is.EqualTo(Number(one.Out, @"mean log-weight (-?[0-9.]+)")), one.Out);

        var none = Run("eval", "--model", _run, "--data", _data, "--accelerator", "cpu", "--samples", "0");
        Assert.That(none.Code, Is.EqualTo(0), none.Err);
        Assert.That(none.Out, Does.Not.Contain("log p(x)"));
        Assert.That(Run("eval", "--model", _run, "--data", _data, "--samples", "-1").Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(Run("eval", "--model", _run, "--data", _data, "--test-limit", "0").Code, Is.EqualTo(ExitCodes.BadInput));
    }

    [TestCase("manifold", 2 + 20 * (4 + 2), 2 + 20 * (4 + 2))]
    [TestCase("sample", 2 + 10 * (8 + 2), 2 + 10 * (8 + 2))]
    [TestCase("reconstruct", 2 + 10 * (8 + 2), 2 + 10 * (8 + 2))]
    [TestCase("scatter", 820, 760)]
    public void PictureCommandsWriteValidPngs(string command, int width, int height)
    {
        if (command == "scatter") ChartFonts.Require();
        string png = Path.Combine(_dir, command + ".png");
        var args = new List<string> { command, "--model", _run, "--out", png, "--accelerator", "cpu" };
        if (command is "reconstruct" or "scatter") args.AddRange(["--data", _data]);
        var r = Run([.. args]);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        var file = Picture.Read(png);
        Assert.That((file.Width, file.Height), Is.EqualTo((width, height)));
        Assert.That(file.DistinctColours, Is.GreaterThan(2));
    }

    [TestCase("manifold")]
    [TestCase("sample")]
    public void ImageGridsAreNotWrittenAsSvg(string command)
    {
        string svg = Path.Combine(_dir, command + ".svg");
        var r = Run(command, "--model", _run, "--out", svg, "--accelerator", "cpu");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.Err, Does.Contain("written as PNG"));
        Assert.That(File.Exists(svg), Is.False);
    }

    /// <summary>Without --out a picture goes into the run folder it is drawn from, or the command refuses; never into the current directory.</summary>
    [Test]
    public void PicturesWithoutOutGoIntoTheRunFolder()
    {
        string run = Path.Combine(_dir, "run-default-out");
        Assert.That(Run("train", "--data", _data, "--hidden", "8", "--latent", "2", "--batch-size", "20", "--epochs", "1", "--accelerator", "cpu", "--out", run, "-q").Code, Is.EqualTo(0));
        var strays = new[] { "manifold.png", "samples.png", "curves.png" }.Select(f => Path.Combine(Directory.GetCurrentDirectory(), f)).Where(File.Exists).ToList();

        Assert.That(Run("manifold", "--model", run, "--accelerator", "cpu").Code, Is.EqualTo(0));
        Assert.That(Picture.Read(Path.Combine(run, "manifold.png")).Width, Is.GreaterThan(0), "--model RUN: RUN/manifold.png");
        var fromFile = Run("sample", "--model", Path.Combine(run, "model.ckpt"), "--accelerator", "cpu");
        Assert.That(fromFile.Code, Is.EqualTo(0), fromFile.Err);
        Assert.That(File.Exists(Path.Combine(run, "samples.png")), "--model RUN/model.ckpt: RUN/samples.png");
        Assert.That(Run("curves", run).Code, Is.EqualTo(0));
        Assert.That(File.Exists(Path.Combine(run, "curves.png")), "one run: RUN/curves.png");

        string loose = Path.Combine(_dir, "loose.ckpt");
        File.Copy(Path.Combine(run, "model.ckpt"), loose);
        CliTests.AssertBadInput(Run("sample", "--model", loose, "--accelerator", "cpu"), "--out");
        CliTests.AssertBadInput(Run("curves", run, _run), "--out");
        Assert.That(new[] { "manifold.png", "samples.png", "curves.png" }.Select(f => Path.Combine(Directory.GetCurrentDirectory(), f)).Where(File.Exists),
            Is.EquivalentTo(strays), "nothing new in the current directory");
    }

    [Test]
    public void CurvesPlotsRunFolders()
    {
        ChartFonts.Require();
        string png = Path.Combine(_dir, "curves.png");
        var r = Run("curves", _run, _run, "--out", png);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(Picture.Read(png).Width, Is.EqualTo(960));
        string svg = Path.Combine(_dir, "curves.svg");
        r = Run("curves", _run, "--out", svg, "--title", "two epochs");
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Err, Does.Not.Contain("Unsupported"), "nothing the SVG backend cannot draw");
        var root = System.Xml.Linq.XDocument.Load(svg).Root!;
        Assert.That((root.Name.LocalName, root.Attribute("width")?.Value), Is.EqualTo(("svg", "960")));
        Assert.That(root.Descendants().Any(e => e.Name.LocalName == "text"), "text as text");
        Assert.That(Run("curves", Path.Combine(_dir, "nothing-here")).Code, Is.EqualTo(ExitCodes.BadInput));
    }

    [Test]
    public void ManifoldNeedsATwoDimensionalLatentSpace()
    {
        string run = Path.Combine(_dir, "run-3d");
        Assert.That(Run("train", "--data", _data, "--hidden", "8", "--latent", "3", "--batch-size", "20", "--epochs", "1", "--out", run).Code, Is.EqualTo(0));
        var r = Run("manifold", "--model", run, "--out", Path.Combine(_dir, "m3.png"));
        Assert.That(r.Code, Is.EqualTo(ExitCodes.BadInput));
        Assert.That(r.Err, Does.Contain("2-D latent"));
    }

    [Test]
    public void Fig2WritesTableCurveAndOneRunPerLatentSize()
    {
        ChartFonts.Require();
        string output = Path.Combine(_dir, "fig2");
        var r = Run("experiment", "fig2", "--data", _data, "--latents", "2,3", "--budget-samples", "350", "--hidden", "8",
            "--train-eval-images", "100", "--accelerator", "cpu", "--out", output);
        Assert.That(r.Code, Is.EqualTo(0), r.Err);
        Assert.That(r.Out, Does.Contain("| 2 | 400 |").And.Contain("| 3 | 400 |"), "two epochs of two minibatches of 100 cover the budget of 400");
        Assert.That(File.ReadAllText(Path.Combine(output, "fig2.md")), Does.Contain("| Nz |"));
        Assert.That(Picture.Read(Path.Combine(output, "fig2.png")).DistinctColours, Is.GreaterThan(2));
        Assert.That(File.ReadAllText(Path.Combine(output, "fig2.svg")), Does.StartWith("<?xml").And.Contain("<svg"));
        foreach (string nz in new[] { "nz-2", "nz-3" })
        {
            var points = File.ReadAllLines(Path.Combine(output, nz, "curve.jsonl"));
            // 4 points per decade from one minibatch of 100: 100, 178 (→ step 2), 316 (→ step 4, the last one).
            Assert.That(points, Has.Length.EqualTo(3), nz);
            Assert.That(points[^1], Does.Contain("\"samples\":400"));
            Assert.That(File.Exists(Path.Combine(output, nz, "model.ckpt")));
            Assert.That(File.Exists(Path.Combine(output, nz, "report.html")));
        }
        Assert.That(Run("experiment", "fig2", "--budget-samples", "0").Code, Is.EqualTo(ExitCodes.BadInput));
    }

    private static double Number(string text, string pattern)
    {
        var m = Regex.Match(text, pattern);
        Assert.That(m.Success, $"'{pattern}' in: {text}");
        return double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
    }
}

using System.Text.RegularExpressions;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Engine.Verification;
using IlgpuVae.Runner;
using IlgpuVae.Runner.Figures;
using NUnit.Framework;

namespace IlgpuVae.Tests.Figures;

/// <summary>
/// The pictures of a model and the run report on a small model of 6×6 images: each is a valid PNG of
/// the size its layout implies, with real content (not one flat colour), and the report is one file
/// that needs nothing from the network.
/// </summary>
[TestFixture]
public sealed class FigureTests
{
    private const int Side = 6;
    private CpuAccelerator _cpu = null!;
    private Dataset _data = null!;
    private string _dir = "";

    [OneTimeSetUp]
    public void Start()
    {
        _cpu = new CpuAccelerator(2);
        var synthetic = SyntheticData.Create(200, 40, Side, 21);
        var labels = Enumerable.Range(0, 40).Select(i => (byte)(i % 10)).ToArray();
        _data = new Dataset("synthetic", synthetic.Train, synthetic.Test, null, labels);
        _dir = Directory.CreateTempSubdirectory("ilgpuvae-figures-").FullName;
    }

    [OneTimeTearDown]
    public void Stop()
    {
        _cpu.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>A model with weights large enough that its pictures have structure without training.</summary>
    private VaeModel Model(int latent) =>
        new(_cpu, new ModelConfig { InputSize = Side * Side, HiddenSizes = [12], LatentSize = latent, InitScale = 0.6f },
            ParameterInit.Create(new ModelConfig { InputSize = Side * Side, HiddenSizes = [12], LatentSize = latent, InitScale = 0.6f }, 3));

    private static PngFile Check(Canvas canvas, int width, int height, int distinct = 10)
    {
        var png = PngFile.Read(canvas.ToPng());
        Assert.That((png.Width, png.Height), Is.EqualTo((width, height)));
        Assert.That(png.DistinctValues, Is.GreaterThan(distinct), "a picture with real content");
        return png;
    }

    [Test]
    public void ManifoldIsAGridOfDecodedImages()
    {
        using var model = Model(2);
        int tile = Side * 2 + ImageGrid.Gutter;
        Check(ModelFigures.Manifold(model, 5, scale: 2), ImageGrid.Gutter + 5 * tile, ImageGrid.Gutter + 5 * tile);
        Assert.Throws<InputException>(() => ModelFigures.Manifold(model, 1));
        using var three = Model(3);
        Assert.Throws<InputException>(() => ModelFigures.Manifold(three, 5));
    }

    [Test]
    public void ManifoldRowsRunFromHighToLowZ2()
    {
        // The top-left tile decodes z = (Φ⁻¹(1/10), Φ⁻¹(9/10)) for a 5 × 5 grid.
        using var model = Model(2);
        var corner = model.Decode([(float)InverseNormalCdf.Evaluate(0.1), (float)InverseNormalCdf.Evaluate(0.9)]);
        var png = PngFile.Read(ModelFigures.Manifold(model, 5).ToPng());
        Assert.That(png.Channels, Is.EqualTo(1), "a grid of grey images is written as a greyscale PNG");
        int g = ImageGrid.Gutter;
        for (int r = 0; r < Side; r++)
            for (int c = 0; c < Side; c++)
                Assert.That(png.Pixels[((g + r) * png.Width + g + c) * png.Channels], Is.EqualTo((byte)Math.Round(corner[r * Side + c] * 255.0)));
    }

    [Test]
    public void SamplesReconstructionsAndScatterArePictures()
    {
        using var model = Model(2);
        int tile = Side * 2 + ImageGrid.Gutter;
        Check(ModelFigures.Samples(model, 16, 1), ImageGrid.Gutter + 4 * tile, ImageGrid.Gutter + 4 * tile);
        // 12 images in rows of 5: 3 blocks of an original row and a reconstruction row.
        Check(ModelFigures.Reconstructions(model, _data.Test, 12, IlgpuVae.Kernels.Binarization.None, perRow: 5), ImageGrid.Gutter + 5 * tile, ImageGrid.Gutter + 6 * tile);
        var scatter = Check(ModelFigures.LatentScatter(model, _data.Test, _data.TestLabels, "SYNTHETIC", IlgpuVae.Kernels.Binarization.None), 820, 760);
        Assert.That(scatter.Channels, Is.EqualTo(3));
    }

    [Test]
    public void SamplesAreReproducibleFromTheSeed()
    {
        using var model = Model(3);
        Assert.That(ModelFigures.Samples(model, 9, 4).ToPng(), Is.EqualTo(ModelFigures.Samples(model, 9, 4).ToPng()));
        Assert.That(ModelFigures.Samples(model, 9, 4).ToPng(), Is.Not.EqualTo(ModelFigures.Samples(model, 9, 5).ToPng()));
    }

    [Test]
    public void DecodeMeansAreProbabilities()
    {
        using var model = Model(3);
        var means = model.Sample(11, 2);
        Assert.That(means, Has.Length.EqualTo(11 * Side * Side));
        Assert.That(means.All(v => v is >= 0f and <= 1f));
        var mu = model.Encode(_data.Test).Mean;
        Assert.That(mu, Has.Length.EqualTo(_data.Test.Count * 3));
        Assert.That(mu.All(float.IsFinite));
    }

    [Test]
    public void LearningCurvesDrawEveryRun()
    {
        var runs = new List<(string, List<CurvePoint>)>
        {
            ("NZ=3", [new(100, -500, -510, 1), new(1000, -200, -205, 2), new(60000, -140, -142, 30)]),
            ("NZ=20", [new(100, -520, -530, 1), new(1000, -190, -196, 2), new(60000, -120, -125, 30), new(600000, -100, -104, 300)]),
        };
        var png = Check(LearningCurve.Plot("TEST", runs, -160), 960, 600, distinct: 4);
        var colours = new HashSet<(byte, byte, byte)>();
        for (int i = 0; i < png.Pixels.Length; i += 3) colours.Add((png.Pixels[i], png.Pixels[i + 1], png.Pixels[i + 2]));
        foreach (int series in new[] { 0, 1 })
        {
            var c = Palette.Of(series);
            Assert.That(colours, Does.Contain((c.R, c.G, c.B)), $"series {series} is drawn");
        }
    }

    [Test]
    public void TheReportIsOneSelfContainedPage()
    {
        string run = Path.Combine(_dir, "run");
        using var folder = RunFolder.CreateNew(run, keepCheckpoints: 1);
        var model = new ModelConfig { InputSize = Side * Side, HiddenSizes = [12], LatentSize = 2 };
        var training = new TrainingConfig { LearningRate = 0.05f, BatchSize = 20, Epochs = 2 };
        using var trainer = new Trainer(_cpu, model, training, _data);
        folder.WriteConfig(new { model, training });
        for (int e = 0; e < 2; e++) folder.AppendMetrics(trainer.TrainEpoch());
        string path = RunReport.Write(run, trainer.CaptureState(), _data, _cpu);

        string html = File.ReadAllText(path);
        var images = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.That(images, Has.Count.EqualTo(5), "curve, samples, reconstructions, manifold, latent scatter");
        foreach (Match m in images) Assert.That(PngFile.Read(Convert.FromBase64String(m.Groups[1].Value)).DistinctValues, Is.GreaterThan(2));
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://").And.Not.Contain("<script"), "nothing to fetch, nothing to run");
        Assert.That(html, Does.Contain("<table>").And.Contain("latent_size&quot;: 2"), "metrics and configuration");
        foreach (string f in new[] { "curve.png", "samples.png", "reconstructions.png", "manifold.png", "latent.png" })
            PngFile.ReadFile(Path.Combine(run, RunReport.FiguresFolder, f));
    }

    [Test]
    public void TheReportDrawsImagesThatAreNotSquare()
    {
        var random = new Random(3);
        var pixels = new byte[60 * 15];
        random.NextBytes(pixels);
        var images = new ImageSet(60, 3, 5, pixels);
        var data = new Dataset("wide", images, images, null, null);
        var model = new ModelConfig { InputSize = 15, HiddenSizes = [6], LatentSize = 2 };
        var training = new TrainingConfig { BatchSize = 20, Epochs = 1 };
        using var trainer = new Trainer(_cpu, model, training, data);
        trainer.TrainEpoch();
        string run = Path.Combine(_dir, "wide");
        Directory.CreateDirectory(run);
        RunReport.Write(run, trainer.CaptureState(), data, _cpu);
        var samples = PngFile.ReadFile(Path.Combine(run, RunReport.FiguresFolder, "samples.png"));
        Assert.That((samples.Width, samples.Height), Is.EqualTo((ImageGrid.Gutter + 10 * (5 * 2 + ImageGrid.Gutter), ImageGrid.Gutter + 10 * (3 * 2 + ImageGrid.Gutter))));
        Assert.That(File.Exists(Path.Combine(run, RunReport.FileName)));
    }
}

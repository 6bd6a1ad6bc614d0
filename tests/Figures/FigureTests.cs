using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;
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
/// The pictures of a model and the run report on a small model of 6×6 images, decoded with SkiaSharp and
/// looked at pixel by pixel: each tile of a grid shows the image it should (a reconstruction under its own
/// original, the manifold's corners at the right latent points, the samples of the seed), the scatter draws
/// each class in its colour where its points are, and the report is one file that needs nothing from the
/// network, its charts as SVG.
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

    private static Picture Check(IFigure figure, int width, int height, int distinct = 10)
    {
        using (figure)
        {
            Assert.That((figure.Width, figure.Height), Is.EqualTo((width, height)));
            var picture = Picture.Decode(figure.ToPng());
            Assert.That((picture.Width, picture.Height), Is.EqualTo((width, height)));
            Assert.That(picture.DistinctColours, Is.GreaterThan(distinct), "a picture with real content");
            return picture;
        }
    }

    /// <summary>Asserts that the tile at grid cell <paramref name="cell"/> shows <paramref name="values"/> (one image, values in [0, 1]).</summary>
    private static void AssertTile(Picture picture, int cell, int perRow, int scale, float[] values, string what)
    {
        var (left, top) = ImageGrid.TileOrigin(cell, Side, Side, perRow, scale);
        for (int r = 0; r < Side; r++)
            for (int c = 0; c < Side; c++)
            {
                byte expected = (byte)Math.Clamp(Math.Round(values[r * Side + c] * 255.0), 0, 255);
                // Every picture pixel of the image pixel's scale × scale square.
                for (int d = 0; d < scale * scale; d++)
                    if (picture.Grey(left + c * scale + d % scale, top + r * scale + d / scale) != expected)
                        Assert.Fail($"{what}: pixel ({r}, {c}) of grid cell {cell} is {picture.Grey(left + c * scale + d % scale, top + r * scale + d / scale)}, expected {expected}");
            }
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
    public void ManifoldRowsRunFromHighToLowZ2AndColumnsFromLowToHighZ1()
    {
        // For a 5 × 5 grid the top-left tile decodes z = (Φ⁻¹(1/10), Φ⁻¹(9/10)), the bottom-right one z = (Φ⁻¹(9/10), Φ⁻¹(1/10)).
        using var model = Model(2);
        float low = (float)InverseNormalCdf.Evaluate(0.1), high = (float)InverseNormalCdf.Evaluate(0.9);
        using var grid = ModelFigures.Manifold(model, 5, scale: 1);
        var picture = Picture.Decode(grid.ToPng());
        AssertTile(picture, 0, 5, 1, model.Decode([low, high]), "top left");
        AssertTile(picture, 24, 5, 1, model.Decode([high, low]), "bottom right");
        Assert.That(picture.Grey(0, 0), Is.EqualTo(ImageGrid.GutterGrey), "the gutter");
    }

    [Test]
    public void EachReconstructionSitsUnderItsOwnOriginal()
    {
        // 12 images in rows of 5: blocks of an original row above a reconstruction row; each image is encoded
        // and decoded on its own here, so a mix-up of images or rows in the grid shows.
        using var model = Model(2);
        int tile = Side * 2 + ImageGrid.Gutter;
        var picture = Check(ModelFigures.Reconstructions(model, _data.Test, 12, IlgpuVae.Kernels.Binarization.None, perRow: 5),
            ImageGrid.Gutter + 5 * tile, ImageGrid.Gutter + 6 * tile);
        for (int n = 0; n < 12; n++)
        {
            var image = _data.Test.Take(n + 1).Pixels.AsSpan(n * Side * Side, Side * Side);
            var original = image.ToArray().Select(b => b / 255f).ToArray();
            var one = new ImageSet(1, Side, Side, image.ToArray());
            var reconstruction = model.Decode(model.Encode(one).Mean);
            int block = n / 5, column = n % 5;
            AssertTile(picture, (2 * block) * 5 + column, 5, 2, original, $"original {n}");
            AssertTile(picture, (2 * block + 1) * 5 + column, 5, 2, reconstruction, $"reconstruction {n}");
        }
        // The check above can tell an original from a reconstruction: they differ.
        var first = _data.Test.Take(1);
        var firstReconstruction = model.Decode(model.Encode(first).Mean);
        Assert.That(first.Pixels.Where((b, i) => b != ImageGrid.Grey(firstReconstruction[i])).Count(), Is.GreaterThan(Side * Side / 2));
    }

    [Test]
    public void SamplesShowTheDecoderMeansOfTheSeedsPriorDraws()
    {
        using var model = Model(3);
        int tile = Side * 2 + ImageGrid.Gutter;
        using var grid = ModelFigures.Samples(model, 9, 4);
        byte[] png = grid.ToPng();
        var picture = Picture.Decode(png);
        Assert.That((picture.Width, picture.Height), Is.EqualTo((ImageGrid.Gutter + 3 * tile, ImageGrid.Gutter + 3 * tile)));
        var means = model.Sample(9, 4);
        for (int n = 0; n < 9; n++) AssertTile(picture, n, 3, 2, means.AsSpan(n * Side * Side, Side * Side).ToArray(), $"sample {n}");
        using var other = ModelFigures.Samples(model, 9, 5);
        Assert.That(other.ToPng(), Is.Not.EqualTo(png), "another seed, other samples");
    }

    [Test]
    public void TheLatentScatterColoursEachPointByItsLabel()
    {
        ChartFonts.Require();
        // Ten tight clusters, class k around (k − 4.5, 4.5 − k) / 2, and one point far out that is counted, not drawn.
        var random = new Random(2);
        int n = 500;
        var x = new float[n + 1];
        var y = new float[n + 1];
        var labels = new byte[n + 1];
        for (int i = 0; i < n; i++)
        {
            labels[i] = (byte)(i % 10);
            x[i] = (labels[i] - 4.5f) / 2 + (float)(random.NextDouble() - 0.5) * 0.02f;
            y[i] = (4.5f - labels[i]) / 2 + (float)(random.NextDouble() - 0.5) * 0.02f;
        }
        (x[n], y[n], labels[n]) = (40f, 0f, 3);
        using var chart = LatentScatterChart.Draw("clusters", "z₁", "z₂", x, y, labels);
        var picture = Picture.Decode(chart.ToPng());
        Assert.That((picture.Width, picture.Height), Is.EqualTo((LatentScatterChart.Width, LatentScatterChart.Height)));
        var area = chart.Plot.LastRender.DataRect;
        for (int k = 0; k < 10; k++)
        {
            var centre = chart.Plot.GetPixel(new ScottPlot.Coordinates((k - 4.5) / 2, (4.5 - k) / 2));
            Assert.That(area.Contains(centre), $"class {k} is inside the plot");
            Assert.That(picture.HasColourNear(centre.X, centre.Y, ChartStyle.Colour(k).ToSKColor()), $"class {k} in its colour at {centre}");
        }
        Assert.That(chart.Plot.Axes.Title.Label.Text, Does.EndWith("(1 point beyond |z| ≤ 4.5 or not finite, not shown)"));
    }

    [Test]
    public void TheLatentScatterOfAModelIsAChartWithText()
    {
        ChartFonts.Require();
        using var model = Model(2);
        var picture = Check(ModelFigures.LatentScatter(model, _data.Test, _data.TestLabels, "synthetic", IlgpuVae.Kernels.Binarization.None),
            LatentScatterChart.Width, LatentScatterChart.Height);
        Assert.That(picture.DarkPixels(0, 0, LatentScatterChart.Width, 30), Is.GreaterThan(50), "the title is drawn in a real font");
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
    public void TheReportIsOneSelfContainedPage()
    {
        ChartFonts.Require();
        string run = Path.Combine(_dir, "run");
        using var folder = RunFolder.CreateNew(run, keepCheckpoints: 1);
        var model = new ModelConfig { InputSize = Side * Side, HiddenSizes = [12], LatentSize = 2 };
        var training = new TrainingConfig { LearningRate = 0.05f, BatchSize = 20, Epochs = 2 };
        using var trainer = new Trainer(_cpu, model, training, _data);
        folder.WriteConfig(new { model, training });
        for (int e = 0; e < 2; e++) folder.AppendMetrics(trainer.TrainEpoch());
        string path = RunReport.Write(run, trainer.CaptureState(), _data, _cpu);

        string html = File.ReadAllText(path);
        var grids = Regex.Matches(html, "src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
        Assert.That(grids, Has.Count.EqualTo(3), "samples, reconstructions, manifold");
        foreach (Match m in grids) Assert.That(Picture.Decode(Convert.FromBase64String(m.Groups[1].Value)).DistinctColours, Is.GreaterThan(2));
        var charts = Regex.Matches(html, "src=\"data:image/svg\\+xml;base64,([A-Za-z0-9+/=]+)\"");
        Assert.That(charts, Has.Count.EqualTo(2), "learning curve and latent scatter, as SVG");
        foreach (Match m in charts)
        {
            var svg = XDocument.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(m.Groups[1].Value))).Root!;
            Assert.That(svg.Name.LocalName, Is.EqualTo("svg"));
            Assert.That(svg.Descendants().Count(e => e.Name.LocalName == "text"), Is.GreaterThan(5), "titles and tick labels as text");
        }
        Assert.That(html, Does.Not.Contain("http://").And.Not.Contain("https://").And.Not.Contain("<script"), "nothing to fetch, nothing to run");
        Assert.That(html, Does.Contain("<table>").And.Contain("latent_size&quot;: 2"), "metrics and configuration");
        foreach (string f in new[] { "samples.png", "reconstructions.png", "manifold.png" })
            Picture.Read(Path.Combine(run, RunReport.FiguresFolder, f));
        foreach (string f in new[] { "curve.svg", "latent.svg" })
            Assert.That(XDocument.Load(Path.Combine(run, RunReport.FiguresFolder, f)).Root!.Name.LocalName, Is.EqualTo("svg"));
    }

    [Test]
    public void TheReportDrawsImagesThatAreNotSquare()
    {
        ChartFonts.Require();
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
        var samples = Picture.Read(Path.Combine(run, RunReport.FiguresFolder, "samples.png"));
        Assert.That((samples.Width, samples.Height), Is.EqualTo((ImageGrid.Gutter + 10 * (5 * 2 + ImageGrid.Gutter), ImageGrid.Gutter + 10 * (3 * 2 + ImageGrid.Gutter))));
        Assert.That(File.Exists(Path.Combine(run, RunReport.FileName)));
    }
}

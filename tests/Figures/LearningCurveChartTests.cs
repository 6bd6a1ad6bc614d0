using IlgpuVae.Runner.Figures;
using NUnit.Framework;
using ScottPlot;

namespace IlgpuVae.Tests.Figures;

/// <summary>
/// The learning-curve chart, rendered and looked at: every point of a short run lies inside the plot in
/// its series' colour (the old chart clipped the first epoch's point), the log axis has several labelled
/// ticks however narrow the range, the text is drawn, and early points far below the rest enter from below.
/// </summary>
[TestFixture]
public sealed class LearningCurveChartTests
{
    /// <summary>The README's `train --epochs 2`: (samples, train ELBO, test ELBO) of its two epochs.</summary>
    private static readonly List<CurvePoint> TwoEpochs = [new(60_000, -191.39, -169.26, 1.88), new(120_000, -162.00, -154.86, 3.83)];

    [SetUp]
    public void NeedsAFont() => ChartFonts.Require();

    private static Picture Render(Chart chart)
    {
        var picture = Picture.Decode(chart.ToPng());
        Assert.That((picture.Width, picture.Height), Is.EqualTo((LearningCurveChart.Width, LearningCurveChart.Height)));
        return picture;
    }

    private static Pixel At(Chart chart, long samples, double elbo) => chart.Plot.GetPixel(new Coordinates(Math.Log10(samples), elbo));

    [Test]
    public void EveryPointOfATwoEpochRunIsInsideThePlotInItsColour()
    {
        using var chart = LearningCurveChart.Draw("two epochs", [("Nz = 20", TwoEpochs)]);
        var picture = Render(chart);
        // A point must lie inside the data area by more than its marker's radius, so the whole dot shows.
        var inner = chart.Plot.LastRender.DataRect.Contract(4);
        var test = ChartStyle.Colour(0).ToSKColor();
        var train = ChartStyle.Colour(0).MixedWith(Colors.White, 0.45).ToSKColor();
        foreach (var p in TwoEpochs)
        {
            var testAt = At(chart, p.Samples, p.TestElbo);
            var trainAt = At(chart, p.Samples, p.TrainElbo);
            Assert.That(inner.Contains(testAt), $"test point at {p.Samples} samples: {testAt} inside {inner}");
            Assert.That(inner.Contains(trainAt), $"train point at {p.Samples} samples: {trainAt} inside {inner}");
            Assert.That(picture.HasColourNear(testAt.X, testAt.Y, test), $"a test dot at {testAt}");
            Assert.That(picture.HasColourNear(trainAt.X, trainAt.Y, train, radius: 4), $"a train circle at {trainAt}");
        }
    }

    [Test]
    public void TheLogAxisOfATwoEpochRunHasSeveralLabels()
    {
        using var chart = LearningCurveChart.Draw("two epochs", [("Nz = 20", TwoEpochs)]);
        Render(chart);
        var limits = chart.Plot.Axes.GetLimits();
        var labelled = chart.Plot.Axes.Bottom.TickGenerator.Ticks.Where(t => t.IsMajor && t.Label != "" && t.Position >= limits.Left && t.Position <= limits.Right).ToList();
        Assert.That(labelled.Select(t => t.Label), Is.EqualTo(new[] { "60k", "70k", "80k", "90k", "100k" }));
        foreach (var t in labelled) Assert.That(Math.Pow(10, t.Position), Is.EqualTo(double.Parse(t.Label.TrimEnd('k')) * 1000).Within(1e-6), t.Label);
    }

    [Test]
    public void AOneEpochRunIsOnePointInsideALabelledAxis()
    {
        var point = TwoEpochs[0];
        using var chart = LearningCurveChart.Draw("one epoch", [("Nz = 20", [point])]);
        var picture = Render(chart);
        var at = At(chart, point.Samples, point.TestElbo);
        Assert.That(chart.Plot.LastRender.DataRect.Contract(4).Contains(at), $"{at}");
        Assert.That(picture.HasColourNear(at.X, at.Y, ChartStyle.Colour(0).ToSKColor()), $"a test dot at {at}");
        Assert.That(chart.Plot.Axes.Bottom.TickGenerator.Ticks.Count(t => t.IsMajor && t.Label != ""), Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void TheTextIsDrawn()
    {
        using var chart = LearningCurveChart.Draw("two epochs", [("Nz = 20", TwoEpochs)]);
        var picture = Render(chart);
        var area = chart.Plot.LastRender.DataRect;
        Assert.That(picture.DarkPixels(0, 0, picture.Width, (int)area.Top - 2), Is.GreaterThan(50), "the title");
        Assert.That(picture.DarkPixels((int)area.Left, (int)area.Bottom + 2, (int)area.Right, picture.Height), Is.GreaterThan(200), "tick labels and the x-axis title");
        Assert.That(picture.DarkPixels(0, (int)area.Top, (int)area.Left - 2, (int)area.Bottom), Is.GreaterThan(200), "tick labels and the y-axis title");
        Assert.That(picture.DarkPixels((int)area.Right + 2, (int)area.Top, picture.Width, (int)area.Bottom), Is.GreaterThan(50), "the legend");
    }

    [Test]
    public void EveryRunIsDrawnInItsOwnColour()
    {
        var runs = new List<(string, List<CurvePoint>)>
        {
            ("Nz = 3", [new(100, -500, -510, 1), new(1000, -200, -205, 2), new(60000, -140, -142, 30)]),
            ("Nz = 20", [new(100, -520, -530, 1), new(1000, -190, -196, 2), new(60000, -120, -125, 30), new(600000, -100, -104, 300)]),
        };
        using var chart = LearningCurveChart.Draw("two runs", runs);
        var picture = Render(chart);
        for (int series = 0; series < 2; series++)
        {
            var last = runs[series].Item2[^1];
            var at = At(chart, last.Samples, last.TestElbo);
            Assert.That(picture.HasColourNear(at.X, at.Y, ChartStyle.Colour(series).ToSKColor()), $"run {series}'s last point at {at}");
        }
    }

    [Test]
    public void EarlyPointsFarBelowTheRestEnterFromBelow()
    {
        // 100 samples to 10⁶: the y-axis covers the last two decades (10⁴ to 10⁶ samples), not the −530 at 100 samples;
        // the x-axis begins at 10³ samples, the evaluation before the first point in view (10⁴), not at the 100.
        var points = new List<CurvePoint> { new(100, -520, -530, 1), new(1000, -190, -196, 2), new(10_000, -140, -145, 5), new(100_000, -120, -125, 30), new(1_000_000, -100, -104, 300) };
        var (left, right, bottom, top) = LearningCurveChart.Limits(points);
        Assert.That(left, Is.LessThan(3).And.GreaterThan(2.8), "x: from the evaluation before the first point in view, with a margin");
        Assert.That(right, Is.GreaterThan(6).And.LessThan(6.2));
        Assert.That(bottom, Is.LessThan(-145).And.GreaterThan(-150), "y: from the lowest point at 10⁴ samples or more, with a margin");
        Assert.That(top, Is.GreaterThan(-100).And.LessThan(-97));
        // A short run has every point in view.
        var (twoLeft, _, twoBottom, _) = LearningCurveChart.Limits(TwoEpochs);
        Assert.That(twoBottom, Is.LessThan(-191.39));
        Assert.That(twoLeft, Is.LessThan(Math.Log10(60_000)));
    }
}

using IlgpuVae.Runner.Figures;
using NUnit.Framework;

namespace IlgpuVae.Tests.Figures;

/// <summary>The ticks of the log sample axis: which values are labelled for wide and narrow ranges, and how.</summary>
[TestFixture]
public sealed class LogTicksTests
{
    /// <summary>Labels about 7 pixels per character wide, as the charts' 12-pixel tick font.</summary>
    private static float Width(string label) => 7f * label.Length;

    private static string[] Labels(double from, double to, double pixels = 700) =>
        [.. LogTicks.Generate(Math.Log10(from), Math.Log10(to), pixels, Width).Where(t => t.IsMajor).Select(t => t.Label)];

    [Test]
    public void ManyDecadesAreLabelledByDecade() =>
        Assert.That(Labels(80, 1.2e7), Is.EqualTo(new[] { "100", "1k", "10k", "100k", "1M", "10M" }));

    [Test]
    public void TwoDecadesGetOneTwoFive() =>
        Assert.That(Labels(5e4, 5e6), Is.EqualTo(new[] { "50k", "100k", "200k", "500k", "1M", "2M", "5M" }));

    [Test]
    public void LessThanADecadeGetsEveryStep() =>
        Assert.That(Labels(55_000, 125_000), Is.EqualTo(new[] { "60k", "70k", "80k", "90k", "100k" }));

    [Test]
    public void ANarrowRangeGetsEvenSteps() =>
        Assert.That(Labels(60_500, 75_500), Is.EqualTo(new[] { "65k", "70k", "75k" }));

    [Test]
    public void CrowdedDecadesAreThinned()
    {
        // Ten decades in 100 pixels: the 5-character labels do not fit every decade.
        var labels = Labels(1, 1e10, pixels: 100);
        Assert.That(labels.Length, Is.GreaterThanOrEqualTo(2).And.LessThan(11));
        Assert.That(labels[0], Is.EqualTo("1"));
    }

    [Test]
    public void MinorTicksFillTheDecadesWhereTheyFit()
    {
        var ticks = LogTicks.Generate(2, 4, 400, Width);
        var minor = ticks.Where(t => !t.IsMajor).Select(t => Math.Round(Math.Pow(10, t.Position))).ToList();
        Assert.That(minor, Does.Contain(300.0).And.Contain(9000.0).And.Not.Contain(1000.0));
        Assert.That(ticks.Select(t => t.Position), Is.Ordered);
        Assert.That(LogTicks.Generate(0, 10, 100, Width).Where(t => !t.IsMajor), Is.Empty, "no minor ticks in 10 pixels per decade");
    }

    [TestCase(500, "500")]
    [TestCase(2000, "2k")]
    [TestCase(62_500, "62.5k")]
    [TestCase(1_500_000, "1.5M")]
    [TestCase(2e9, "2G")]
    public void LabelsAreCompact(double value, string label) => Assert.That(LogTicks.Label(value), Is.EqualTo(label));

    [Test]
    public void AnEmptyRangeHasNoTicks()
    {
        Assert.That(LogTicks.Generate(3, 3, 500, Width), Is.Empty);
        Assert.That(LogTicks.Generate(double.NaN, 3, 500, Width), Is.Empty);
    }
}

using IlgpuVae.Runner.Figures;
using NUnit.Framework;

namespace IlgpuVae.Tests.Figures;

/// <summary>Φ⁻¹ of the manifold grid against tabulated quantiles of the standard normal, and its own logarithm against the platform's.</summary>
[TestFixture]
public sealed class InverseNormalCdfTests
{
    // (p, Φ⁻¹(p)) from standard tables: Φ(1), Φ(2), Φ(3) and the 97.5 % and 99.9 % quantiles.
    [TestCase(0.5, 0.0)]
    [TestCase(0.8413447460685429, 1.0)]
    [TestCase(0.15865525393145707, -1.0)]
    [TestCase(0.9772498680518208, 2.0)]
    [TestCase(0.0013498980316301, -3.0)]
    [TestCase(0.975, 1.959963984540054)]
    [TestCase(0.999, 3.090232306167813)]
    [TestCase(1e-10, -6.361340902404056)]
    public void MatchesTabulatedQuantiles(double p, double expected) =>
        Assert.That(InverseNormalCdf.Evaluate(p), Is.EqualTo(expected).Within(1e-8 * Math.Max(1, Math.Abs(expected))));

    [Test]
    public void IsOddAroundOneHalfAndIncreasing()
    {
        double previous = double.NegativeInfinity;
        for (int i = 1; i < 1000; i++)
        {
            double p = i / 1000.0;
            double x = InverseNormalCdf.Evaluate(p);
            Assert.That(x, Is.GreaterThan(previous), $"p = {p}");
            Assert.That(x, Is.EqualTo(-InverseNormalCdf.Evaluate(1 - p)).Within(1e-12), $"p = {p}");
            previous = x;
        }
        Assert.That(InverseNormalCdf.Evaluate(0), Is.EqualTo(double.NegativeInfinity));
        Assert.That(InverseNormalCdf.Evaluate(1), Is.EqualTo(double.PositiveInfinity));
        Assert.Throws<ArgumentOutOfRangeException>(() => InverseNormalCdf.Evaluate(1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => InverseNormalCdf.Evaluate(double.NaN));
    }

    [Test]
    public void ItsLogarithmAgreesWithThePlatformsToAFewUlp()
    {
        var random = new Random(5);
        var xs = new List<double> { 1, 2, 0.5, Math.E, 1e-300, 4.9e-324, 1e-310, 1.7e308, 1.4142135623730951, 0.7071067811865476 };
        for (int i = 0; i < 2000; i++) xs.Add(Math.Pow(10, random.NextDouble() * 600 - 300));
        foreach (double x in xs)
        {
            double expected = Math.Log(x);
            Assert.That(InverseNormalCdf.Log(x), Is.EqualTo(expected).Within(4e-16 * Math.Max(1, Math.Abs(expected))), $"x = {x:R}");
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => InverseNormalCdf.Log(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => InverseNormalCdf.Log(-1));
    }
}

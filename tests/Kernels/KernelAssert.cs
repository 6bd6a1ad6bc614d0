using NUnit.Framework;

namespace IlgpuVae.Tests.Kernels;

/// <summary>Test data and comparisons shared by the kernel tests.</summary>
internal static class KernelAssert
{
    /// <summary>The unit roundoff of binary32, u = 2⁻²⁴: one correctly rounded operation has relative error ≤ u.</summary>
    public const double U = 1.0 / 16777216.0;

    /// <summary>
    /// γ_n = n·u / (1 − n·u): the bound on the relative error (with respect to Σ|terms|) of a chain of n
    /// float additions or FMAs (Higham, Accuracy and Stability of Numerical Algorithms, §3.1).
    /// </summary>
    public static double Gamma(int n) => n * U / (1 - n * U);

    /// <summary>An absolute floor for the bounds: a few subnormal spacings (2⁻¹⁴⁹ each), where relative bounds stop holding.</summary>
    public const double SubnormalFloor = 8 * 1.4012984643248171e-45;

    /// <summary>Reproducible uniform floats in [lo, hi).</summary>
    public static float[] Uniform(int seed, int count, double lo, double hi)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(lo + (hi - lo) * random.NextDouble());
        return values;
    }

    /// <summary>
    /// Asserts |actual[i] − expected[i]| ≤ tolerance(i) for every i, by asserting it on the worst element
    /// (largest error relative to its tolerance; a NaN or a mismatched infinity is worst of all), whose index
    /// the message names. The tolerance may also be 0 (exact).
    /// </summary>
    public static void Close(ReadOnlySpan<float> actual, double[] expected, Func<int, double> tolerance, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        int worst = -1;
        double worstRatio = -1;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], e = expected[i], tol = tolerance(i);
            double ratio;
            if (double.IsNaN(a) || double.IsNaN(e)) ratio = double.IsNaN(a) && double.IsNaN(e) ? 0 : double.PositiveInfinity;
            else if (double.IsInfinity(a) || double.IsInfinity(e)) ratio = a == e ? 0 : double.PositiveInfinity;
            else
            {
                double err = Math.Abs(a - e);
                ratio = err == 0 ? 0 : tol > 0 ? err / tol : double.PositiveInfinity;
            }
            if (ratio > worstRatio) { worstRatio = ratio; worst = i; }
        }
        if (worst < 0) return;
        double t = tolerance(worst);
        Assert.That((double)actual[worst], Is.EqualTo(expected[worst]).Within(t),
            $"{what}[{worst}]: engine {actual[worst]:R}, reference {expected[worst]:R}, tolerance {t:G3} (of {actual.Length} values)");
    }

    /// <summary>Asserts that two float arrays are equal bit for bit, naming the first differing index.</summary>
    public static void BitEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.That(actual.Length, Is.EqualTo(expected.Length), $"{what}: length");
        int first = FirstDifference(expected, actual);
        string message = first < 0 ? "" :
            $"{what}: first differing index {first} of {actual.Length}: expected {expected[first]:R} (0x{Bits(expected[first]):x8}), got {actual[first]:R} (0x{Bits(actual[first]):x8})";
        Assert.That(first, Is.EqualTo(-1), message);
    }

    /// <summary>The first index where the bits differ, or −1.</summary>
    public static int FirstDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
            if (Bits(a[i]) != Bits(b[i])) return i;
        return a.Length == b.Length ? -1 : Math.Min(a.Length, b.Length);
    }

    /// <summary>The bits of a float.</summary>
    public static uint Bits(float f) => BitConverter.SingleToUInt32Bits(f);

    /// <summary>Asserts that every value is finite, naming the first that is not.</summary>
    public static void AllFinite(ReadOnlySpan<float> values, string what)
    {
        int bad = -1;
        for (int i = 0; i < values.Length && bad < 0; i++) if (!float.IsFinite(values[i])) bad = i;
        string message = bad < 0 ? "" : $"{what}[{bad}] is {values[bad]} (not finite)";
        Assert.That(bad, Is.EqualTo(-1), message);
    }
}

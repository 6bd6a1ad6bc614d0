namespace IlgpuVae.Runner.Figures;

/// <summary>
/// The inverse of the standard normal CDF, Φ⁻¹(p), for the latent grid of the manifold figure (the
/// paper's Figure 4 maps a regular grid on the unit square through Φ⁻¹). A rational approximation in
/// the form P. J. Acklam published (relative error below 1.2·10⁻⁹): a ratio of polynomials in p − ½ for
/// the central region and in √(−2 ln p) for the tails. Deterministic: only + − × ÷ and √ in double
/// precision, and a natural logarithm written here from the same operations (libm's log may differ
/// between platforms in the last bit), so every machine computes the same latent points.
/// </summary>
internal static class InverseNormalCdf
{
    private static readonly double[] A = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00];
    private static readonly double[] B = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01];
    private static readonly double[] C = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00];
    private static readonly double[] D = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];

    /// <summary>Where the tail formula takes over from the central one.</summary>
    private const double Low = 0.02425;

    /// <summary>Φ⁻¹(p) for 0 &lt; p &lt; 1; −∞ at 0, +∞ at 1.</summary>
    public static double Evaluate(double p)
    {
        if (double.IsNaN(p) || p < 0 || p > 1) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must lie in [0, 1]");
        if (p == 0) return double.NegativeInfinity;
        if (p == 1) return double.PositiveInfinity;
        if (p < Low) return Tail(p);
        if (p > 1 - Low) return -Tail(1 - p);
        double q = p - 0.5, r = q * q;
        double num = (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q;
        double den = ((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1;
        return num / den;
    }

    /// <summary>The lower tail, p &lt; <see cref="Low"/> (the upper one by symmetry).</summary>
    private static double Tail(double p)
    {
        double q = Math.Sqrt(-2 * Log(p));
        double num = ((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5];
        double den = (((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1;
        return num / den;
    }

    /// <summary>
    /// ln x for positive finite x: x = m·2ᵉ with m in [√½, √2), then ln m = 2·atanh(s) with s = (m − 1)/(m + 1),
    /// |s| ≤ 0.172, from its series to s²⁵ (truncation below 10⁻¹⁹ relative), plus e·ln 2 in two parts.
    /// </summary>
    internal static double Log(double x)
    {
        if (!(x > 0) || double.IsInfinity(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "positive and finite");
        int e = 0;
        if (x < 2.2250738585072014e-308) { x *= 18014398509481984.0; e = -54; } // subnormal: scale by 2⁵⁴ first
        long bits = BitConverter.DoubleToInt64Bits(x);
        e += (int)((bits >> 52) & 0x7FF) - 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L);
        if (m > 1.4142135623730951) { m *= 0.5; e++; }
        double s = (m - 1) / (m + 1), s2 = s * s;
        double series = 0;
        for (int k = 25; k >= 3; k -= 2) series = (series + 1.0 / k) * s2;
        double lnM = 2 * s * (1 + series);
        const double ln2Hi = 6.93147180369123816490e-01, ln2Lo = 1.90821492927058770002e-10;
        return e * ln2Hi + (lnM + e * ln2Lo);
    }
}

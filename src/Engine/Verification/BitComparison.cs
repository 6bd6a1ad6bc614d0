namespace IlgpuVae.Engine.Verification;

/// <summary>
/// Bit-level comparison of outputs and the ULP distance between floats.
/// </summary>
internal static class BitComparison
{
    /// <summary>
    /// The number of steps between two floats along the ordered line of all float bit patterns, −0 and
    /// +0 counting as neighbours (1 apart) so that a difference in the sign of zero is visible. 0 exactly
    /// when the bits are equal. NaNs sit beyond the infinities in this order, so any NaN difference is large.
    /// </summary>
    public static long UlpDistance(float a, float b) => Math.Abs(Ordered(BitConverter.SingleToInt32Bits(a)) - Ordered(BitConverter.SingleToInt32Bits(b)));

    /// <summary>The same distance for doubles (saturating at <see cref="long.MaxValue"/>).</summary>
    public static long UlpDistance(double a, double b)
    {
        Int128 d = Int128.Abs(Ordered(BitConverter.DoubleToInt64Bits(a)) - Ordered(BitConverter.DoubleToInt64Bits(b)));
        return d > long.MaxValue ? long.MaxValue : (long)d;
    }

    // Sign-magnitude bits onto a line: non-negative patterns keep their value, negative ones go below −1.
    private static long Ordered(int bits) => bits >= 0 ? bits : -1L - (bits & 0x7FFFFFFF);

    private static Int128 Ordered(long bits) => bits >= 0 ? bits : -(Int128)1 - (bits & long.MaxValue);

    /// <summary>
    /// Compares the outputs of one check from the reference and the checked accelerator, which must have
    /// the same names and sizes in the same order.
    /// </summary>
    public static CheckResult Compare(string name, IReadOnlyList<CheckOutput> reference, IReadOnlyList<CheckOutput> actual)
    {
        if (reference.Count != actual.Count) throw new ArgumentException($"{name}: {reference.Count} reference outputs but {actual.Count} checked ones");
        long compared = 0, different = 0, maxUlp = 0;
        Mismatch? first = null;
        for (int o = 0; o < reference.Count; o++)
        {
            var r = reference[o];
            var a = actual[o];
            if (r.Name != a.Name || r.Count != a.Count)
                throw new ArgumentException($"{name}: output {o} is {r.Name} ({r.Count}) on the reference but {a.Name} ({a.Count}) on the checked accelerator");
            for (int i = 0; i < r.Count; i++)
            {
                compared++;
                long ulp;
                if (r.Floats is { } rf)
                {
                    float x = rf[i], y = a.Floats![i];
                    if (BitConverter.SingleToUInt32Bits(x) == BitConverter.SingleToUInt32Bits(y)) continue;
                    ulp = UlpDistance(x, y);
                    first ??= new Mismatch(r.Name, i, x, y, BitConverter.SingleToUInt32Bits(x).ToString("x8"), BitConverter.SingleToUInt32Bits(y).ToString("x8"), ulp);
                }
                else
                {
                    double x = r.Doubles![i], y = a.Doubles![i];
                    if (BitConverter.DoubleToUInt64Bits(x) == BitConverter.DoubleToUInt64Bits(y)) continue;
                    ulp = UlpDistance(x, y);
                    first ??= new Mismatch(r.Name, i, x, y, BitConverter.DoubleToUInt64Bits(x).ToString("x16"), BitConverter.DoubleToUInt64Bits(y).ToString("x16"), ulp);
                }
                different++;
                maxUlp = Math.Max(maxUlp, ulp);
            }
        }
        return new CheckResult(name, compared, different, maxUlp, first);
    }
}

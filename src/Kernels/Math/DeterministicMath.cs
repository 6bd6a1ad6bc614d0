using System.Runtime.CompilerServices;

namespace IlgpuVae.Kernels.Math;

/// <summary>
/// The engine's own float transcendentals (exp, log, log1p, tanh, sigmoid, softplus and the
/// sin/cos of Box–Muller), written so that the CPU, OpenCL and CUDA produce the same bits.
/// </summary>
/// <remarks>
/// <para>
/// Every function is a fixed sequence of IEEE binary32 operations: + − × ÷, <see cref="MathF.Sqrt"/>,
/// <see cref="MathF.FusedMultiplyAdd"/> (written wherever one rounding is meant; the .NET JIT never
/// contracts <c>a * b + c</c> by itself), exact bit operations, comparisons and conversions of small
/// integers. No double intermediates, no libm. The same code runs on every accelerator: the SIMD CPU
/// kernels call it for their scalar parts (and <c>DeterministicMathVector</c> is it lane by lane), and the
/// ILGPU device kernels (<c>IlgpuVae.Kernels.Device</c>) call it directly, compiled by ILGPU to PTX or
/// OpenCL C with contraction off and explicit FMA (<c>MathF.FusedMultiplyAdd</c> becomes one fused
/// operation), so a device executing it produces the same bits as this class.
/// </para>
/// <para>
/// Each constant's documentation gives its bits and its C99 hex-float value; each C# literal is the
/// shortest decimal that rounds to that float. The code avoids the expression shapes that ILGPU's IR
/// folds against IEEE rules (x + 0, 0 − x, (x + c1) + c2, (x·c1)·c2).
/// </para>
/// <para>
/// NaN handling is explicit so that NaN bits are reproducible too: a NaN argument is returned
/// unchanged (no arithmetic touches it), and an invalid argument (log of a negative number) returns
/// the canonical quiet NaN <c>0x7FC00000</c>, never a NaN produced by arithmetic (whose bits differ
/// between x86 and GPUs).
/// </para>
/// <para>
/// Accuracy figures quoted in the remarks of each function are the largest errors measured against
/// a double-precision reference over every binary32 argument (an exhaustive sweep of all 2³² bit
/// patterns; for <see cref="SinCosTwoPi"/> all floats in [0, 1]).
/// </para>
/// </remarks>
public static class DeterministicMath
{
    // ------------------------------------------------------------------------------------------
    // Shared constants
    // ------------------------------------------------------------------------------------------

    /// <summary>1.5·2²³ (bits 0x4B400000, hex 0x1.8p+23). Adding it to a float t with |t| &lt; 2²²
    /// leaves round-to-nearest-even(t) in the low mantissa bits (the sum lies in [2²³, 2²⁴) where the
    /// spacing is 1), and subtracting it again gives that integer exactly.</summary>
    public const float RoundMagic = 12582912f;

    /// <summary>2²³ (bits 0x4B000000, hex 0x1p+23): scales a subnormal argument of <see cref="Log"/>
    /// into the normal range, exactly.</summary>
    public const float TwoPow23 = 8388608f;

    /// <summary>2¹²⁷ (bits 0x7F000000, hex 0x1p+127): the first of the two scale factors of
    /// <see cref="Exp"/> when n = 128.</summary>
    public const float TwoPow127 = 1.7014118e+38f;

    /// <summary>2⁻¹²⁶ (bits 0x00800000, hex 0x1p-126): the second scale factor of <see cref="Exp"/>
    /// for subnormal results; multiplying by it is the one (correctly rounded) rounding.</summary>
    public const float TwoPowMinus126 = 1.1754944e-38f;

    /// <summary>log₂ e rounded to float (bits 0x3FB8AA3B, hex 0x1.715476p+0).</summary>
    public const float Log2E = 1.442695f;

    /// <summary>ln 2 truncated to 15 significant bits (bits 0x3F317200, hex 0x1.62e4p-1), so that
    /// n·Ln2Hi is exact for every |n| ≤ 2⁹ (all exponents that occur in exp and log).</summary>
    public const float Ln2Hi = 0.69314575f;

    /// <summary>ln 2 − <see cref="Ln2Hi"/> rounded to float (bits 0x35BFBE8E, hex 0x1.7f7d1cp-20).</summary>
    public const float Ln2Lo = 1.4286068e-06f;

    // ------------------------------------------------------------------------------------------
    // Exp constants
    // ------------------------------------------------------------------------------------------

    /// <summary>The largest float whose exponential is finite, ≈ 88.7228 (bits 0x42B17217,
    /// hex 0x1.62e42ep+6); <see cref="Exp"/> returns +∞ above it.</summary>
    public const float ExpOverflow = 88.72283f;

    /// <summary>The smallest float above ln 2⁻¹⁵⁰ ≈ −103.972077 (bits 0xC2CFF1B4, hex -0x1.9fe368p+6).
    /// Below it e^x &lt; 2⁻¹⁵⁰ (half the smallest subnormal), which rounds to 0.</summary>
    public const float ExpUnderflow = -103.97208f;

    /// <summary>Taylor coefficient 1/2! of e^r (bits 0x3F000000, hex 0x1p-1).</summary>
    public const float ExpC2 = 0.5f;

    /// <summary>Taylor coefficient 1/3! of e^r (bits 0x3E2AAAAB, hex 0x1.555556p-3).</summary>
    public const float ExpC3 = 0.16666667f;

    /// <summary>Taylor coefficient 1/4! of e^r (bits 0x3D2AAAAB, hex 0x1.555556p-5).</summary>
    public const float ExpC4 = 0.041666668f;

    /// <summary>Taylor coefficient 1/5! of e^r (bits 0x3C088889, hex 0x1.111112p-7).</summary>
    public const float ExpC5 = 0.008333334f;

    /// <summary>Taylor coefficient 1/6! of e^r (bits 0x3AB60B61, hex 0x1.6c16c2p-10).</summary>
    public const float ExpC6 = 0.0013888889f;

    /// <summary>Taylor coefficient 1/7! of e^r (bits 0x39500D01, hex 0x1.a01a02p-13).</summary>
    public const float ExpC7 = 0.0001984127f;

    // ------------------------------------------------------------------------------------------
    // Log constants
    // ------------------------------------------------------------------------------------------

    /// <summary>√2 rounded down to float (bits 0x3FB504F3, hex 0x1.6a09e6p+0): mantissas above it are
    /// halved so that m lies in (√½, √2).</summary>
    public const float Sqrt2 = 1.4142135f;

    /// <summary>Coefficient 2/3 of the atanh series of log m (bits 0x3F2AAAAB, hex 0x1.555556p-1).</summary>
    public const float LogL1 = 0.6666667f;

    /// <summary>Coefficient 2/5 of the atanh series of log m (bits 0x3ECCCCCD, hex 0x1.99999ap-2).</summary>
    public const float LogL2 = 0.4f;

    /// <summary>Coefficient 2/7 of the atanh series of log m (bits 0x3E924925, hex 0x1.24924ap-2).</summary>
    public const float LogL3 = 0.2857143f;

    /// <summary>Coefficient 2/9 of the atanh series of log m (bits 0x3E638E39, hex 0x1.c71c72p-3).</summary>
    public const float LogL4 = 0.22222222f;

    /// <summary>√½ − 1 rounded to float (bits 0xBE95F61A, hex -0x1.2bec34p-2): above it (and below
    /// <see cref="Log1pUpper"/>) log1p takes f = x directly, without forming 1 + x.</summary>
    public const float Log1pLower = -0.29289323f;

    /// <summary><see cref="Sqrt2"/> − 1, exactly (bits 0x3ED413CC, hex 0x1.a82798p-2): the upper end of
    /// log1p's direct range.</summary>
    public const float Log1pUpper = 0.41421354f;

    // ------------------------------------------------------------------------------------------
    // Tanh constants
    // ------------------------------------------------------------------------------------------

    /// <summary>0.55 as float (bits 0x3F0CCCCD, hex 0x1.19999ap-1): below it <see cref="Tanh"/> uses
    /// its Taylor polynomial, at or above it 1 − 2/(e^{2|x|} + 1).</summary>
    public const float TanhSmall = 0.55f;

    /// <summary>9.1 as float (bits 0x4111999A, hex 0x1.233334p+3): from here on tanh |x| rounds to 1
    /// (1 − tanh 9.1 ≈ 2.5·10⁻⁸ &lt; 2⁻²⁵, half the spacing of the floats below 1).</summary>
    public const float TanhSaturation = 9.1f;

    /// <summary>Taylor coefficient of x³ in tanh x, −1/3 (bits 0xBEAAAAAB, hex -0x1.555556p-2).</summary>
    public const float TanhT1 = -0.33333334f;

    /// <summary>Taylor coefficient of x⁵ in tanh x, 2/15 (bits 0x3E088889, hex 0x1.111112p-3).</summary>
    public const float TanhT2 = 0.13333334f;

    /// <summary>Taylor coefficient of x⁷ in tanh x, −17/315 (bits 0xBD5D0DD1, hex -0x1.ba1ba2p-5).</summary>
    public const float TanhT3 = -0.053968254f;

    /// <summary>Taylor coefficient of x⁹ in tanh x, 62/2835 (bits 0x3CB327A4, hex 0x1.664f48p-6).</summary>
    public const float TanhT4 = 0.021869488f;

    /// <summary>Taylor coefficient of x¹¹ in tanh x, −1382/155925 (bits 0xBC11371B, hex -0x1.226e36p-7).</summary>
    public const float TanhT5 = -0.008863236f;

    /// <summary>Taylor coefficient of x¹³ in tanh x, 21844/6081075 (bits 0x3B6B69E8, hex 0x1.d6d3dp-9).</summary>
    public const float TanhT6 = 0.003592128f;

    /// <summary>Taylor coefficient of x¹⁵ in tanh x, −929569/638512875 (bits 0xBABED1B2, hex -0x1.7da364p-10).</summary>
    public const float TanhT7 = -0.0014558344f;

    /// <summary>Taylor coefficient of x¹⁷ in tanh x, 6404582/10854718875 (bits 0x3A1AAC12, hex 0x1.355824p-11).</summary>
    public const float TanhT8 = 0.0005900274f;

    /// <summary>Taylor coefficient of x¹⁹ in tanh x, −443861162/1856156927625 (bits 0xB97ABEBC, hex -0x1.f57d78p-13).</summary>
    public const float TanhT9 = -0.00023912912f;

    /// <summary>2 (bits 0x40000000, hex 0x1p+1): <see cref="Softplus"/> computes log1p(e^x) up to
    /// here and x + log1p(e^−x) above.</summary>
    public const float SoftplusSplit = 2f;

    // ------------------------------------------------------------------------------------------
    // SinCosTwoPi constants: Taylor coefficients of sin(2πf) and cos(2πf) in powers of f (turns)
    // ------------------------------------------------------------------------------------------

    /// <summary>2π rounded to float (bits 0x40C90FDB, hex 0x1.921fb6p+2), the leading part of the
    /// coefficient of f in sin(2πf).</summary>
    public const float SinS1Hi = 6.2831855f;

    /// <summary>2π − <see cref="SinS1Hi"/> rounded to float (bits 0xB43BBD2E, hex -0x1.777a5cp-23).</summary>
    public const float SinS1Lo = -1.7484555e-07f;

    /// <summary>−(2π)³/3! (bits 0xC2255DE7, hex -0x1.4abbcep+5).</summary>
    public const float SinS3 = -41.3417f;

    /// <summary>(2π)⁵/5! (bits 0x42A335E3, hex 0x1.466bc6p+6).</summary>
    public const float SinS5 = 81.60525f;

    /// <summary>−(2π)⁷/7! (bits 0xC2996966, hex -0x1.32d2ccp+6).</summary>
    public const float SinS7 = -76.70586f;

    /// <summary>(2π)⁹/9! (bits 0x42283C1A, hex 0x1.507834p+5).</summary>
    public const float SinS9 = 42.058693f;

    /// <summary>−(2π)²/2! (bits 0xC19DE9E6, hex -0x1.3bd3ccp+4).</summary>
    public const float CosC2 = -19.739208f;

    /// <summary>(2π)⁴/4! (bits 0x4281E0F8, hex 0x1.03c1fp+6).</summary>
    public const float CosC4 = 64.93939f;

    /// <summary>−(2π)⁶/6! (bits 0xC2AAE9E4, hex -0x1.55d3c8p+6).</summary>
    public const float CosC6 = -85.45682f;

    /// <summary>(2π)⁸/8! (bits 0x4270FA83, hex 0x1.e1f506p+5).</summary>
    public const float CosC8 = 60.24464f;

    /// <summary>−(2π)¹⁰/10! (bits 0xC1D368F9, hex -0x1.a6d1f2p+4).</summary>
    public const float CosC10 = -26.426256f;

    // ------------------------------------------------------------------------------------------
    // Bit-level helpers
    // ------------------------------------------------------------------------------------------

    private const int PositiveInfinityBits = 0x7F800000;
    private const int NegativeInfinityBits = unchecked((int)0xFF800000);
    private const int CanonicalNaNBits = 0x7FC00000;

    /// <summary>NaN test by comparison, as the device code spells it (<c>x != x</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsNaN(float x) => float.IsNaN(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int AsInt(float x) => BitConverter.SingleToInt32Bits(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float AsFloat(int i) => BitConverter.Int32BitsToSingle(i);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <summary>2ⁿ for −126 ≤ n ≤ 127, built directly in the exponent field (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Pow2(int n) => AsFloat((n + 127) << 23);

    // ------------------------------------------------------------------------------------------
    // Functions
    // ------------------------------------------------------------------------------------------

    /// <summary>e^x in binary32.</summary>
    /// <param name="x">Any float.</param>
    /// <returns>e^x; +∞ for x &gt; <see cref="ExpOverflow"/>, +0 for x &lt; <see cref="ExpUnderflow"/>,
    /// the argument itself for NaN.</returns>
    /// <remarks>Measured max error: 0.86 ULP over all floats (0.79 ULP where the result is normal;
    /// the extra is the double rounding of subnormal results, hi + lo and then the scaling).</remarks>
    public static float Exp(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        if (x > ExpOverflow)
        {
            return AsFloat(PositiveInfinityBits);
        }

        if (x < ExpUnderflow)
        {
            return 0f;
        }

        float hi = ExpCore(x, out int n, out float lo);
        return Ldexp(hi + lo, n);
    }

    /// <summary>
    /// e^x = (hi + lo)·2ⁿ for x in [<see cref="ExpUnderflow"/>, <see cref="ExpOverflow"/>]: returns hi in
    /// [0.70, 1.42], lo (below one ULP of hi) and n in [−150, 128]. No special cases. Sigmoid, tanh and
    /// softplus use hi + lo unrounded, which keeps them near 1 ULP.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float ExpCore(float x, out int n, out float lo)
    {
        // n = round(x·log2 e) with one rounding (FMA) onto the 1.5·2²³ grid; n is then read back
        // exactly from the low mantissa bits (as an int) and by subtraction (as a float).
        float k = Fma(x, Log2E, RoundMagic);
        n = AsInt(k) - AsInt(RoundMagic);
        float nf = k - RoundMagic;

        // Cody–Waite: r = x − n·ln2. n·Ln2Hi is exact (|n| ≤ 150, Ln2Hi has 15 bits) and x − n·Ln2Hi is
        // exact (Sterbenz), so rh is exact. r = rh + rl rounds, |r| ≤ 0.347; dr is exactly that
        // rounding error (Fast2Sum), carried to the end instead of being lost.
        float rh = Fma(-nf, Ln2Hi, x);
        float rl = -nf * Ln2Lo;
        float r = rh + rl;
        float dr = (rh - r) + rl;

        // e^r by its degree-7 Taylor polynomial (truncation < 0.1 ULP on |r| ≤ ½ ln 2), Horner with
        // FMA, stopped one step early: p = (e^r − 1)/r.
        float p = ExpC7;
        p = Fma(p, r, ExpC6);
        p = Fma(p, r, ExpC5);
        p = Fma(p, r, ExpC4);
        p = Fma(p, r, ExpC3);
        p = Fma(p, r, ExpC2);
        p = Fma(p, r, 1f);

        // hi = 1 + r·p rounded. Its rounding error is recovered by a second FMA (1 − hi is exact,
        // Sterbenz, hi in [0.5, 2]), and e^r·dr is added to it: e^(r + dr) ≈ e^r + e^r·dr.
        float hi = Fma(p, r, 1f);
        lo = Fma(p, r, 1f - hi);
        lo = Fma(hi, dr, lo);
        return hi;
    }

    /// <summary>
    /// p·2ⁿ for −150 ≤ n ≤ 128 (p·2^(n+126) must stay normal): exact, except that a subnormal result is
    /// rounded once. 2¹²⁸ is not a float, so n = 128 takes two exact steps; for n &lt; −126 the first
    /// step to p·2^(n+126) is exact and the single multiplication by 2⁻¹²⁶ is the one rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Ldexp(float p, int n)
    {
        if (n > 127)
        {
            return p * TwoPow127 * Pow2(n - 127);
        }

        if (n < -126)
        {
            return p * Pow2(n + 126) * TwoPowMinus126;
        }

        return p * Pow2(n);
    }

    /// <summary>
    /// e·ln 2 + ln(1 + f) + c for an exact f in [√½ − 1, √2 − 1], an exponent e (as a float) and a tiny
    /// correction c, which is folded in before the last rounding.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LogKernel(float f, float ef, float c)
    {
        // With s = f/(2 + f), ln(1 + f) = 2·atanh s = 2s + 2s³/3 + 2s⁵/5 + … The leading 2s is
        // rewritten as f − hfsq + s·hfsq (hfsq = f²/2), so the large terms f and hfsq carry no error
        // from the division; only the small tail s·(hfsq + R) sees s. R = z·(2/3 + z·(2/5 + z·(2/7 +
        // z·2/9))), z = s², |s| ≤ 0.1716; the next term, 2s¹¹/11, is below 2·10⁻⁹ relative, so four
        // coefficients suffice for float (three would leave 8·10⁻⁸, more than an ULP).
        float s = f / (2f + f);
        float z = s * s;
        float r = LogL4;
        r = Fma(r, z, LogL3);
        r = Fma(r, z, LogL2);
        r = Fma(r, z, LogL1);
        r = r * z;
        float hfsq = (0.5f * f) * f;

        // e·Ln2Hi + (f − (hfsq − (s·(hfsq + R) + c + e·Ln2Lo))): the small parts are summed first,
        // then hfsq and f, and the exact e·Ln2Hi (|e| ≤ 149, Ln2Hi has 15 bits) is added last.
        float lo = Fma(s, hfsq + r, c);
        lo = Fma(ef, Ln2Lo, lo);
        float t = (hfsq - lo) - f;
        float hi = ef * Ln2Hi;
        return hi - t;
    }

    /// <summary>ln x + c for a positive finite x (subnormals included) and a tiny correction c.</summary>
    private static float LogCore(float x, float c)
    {
        // Subnormals: scale by 2²³ (exact) so that the exponent field is meaningful.
        int e = 0;
        if (x < TwoPowMinus126)
        {
            x = x * TwoPow23;
            e = -23;
        }

        // x = m·2^e with m in [1, 2) from the bits, then moved to (√½, √2) so that |ln m| ≤ ½ ln 2
        // (halving is exact). f = m − 1 is exact (Sterbenz).
        int ix = AsInt(x);
        e = e + ((ix >> 23) - 127);
        float m = AsFloat((ix & 0x007FFFFF) | 0x3F800000);
        if (m > Sqrt2)
        {
            m = m * 0.5f;
            e = e + 1;
        }

        return LogKernel(m - 1f, e, c);
    }

    /// <summary>Natural logarithm in binary32.</summary>
    /// <param name="x">Any float.</param>
    /// <returns>ln x; −∞ for ±0, the canonical NaN for x &lt; 0, +∞ for +∞, the argument itself for NaN.</returns>
    /// <remarks>Measured max error: 0.86 ULP over all positive floats, subnormals included.</remarks>
    public static float Log(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        if (x <= 0f)
        {
            return x == 0f ? AsFloat(NegativeInfinityBits) : AsFloat(CanonicalNaNBits);
        }

        if (x == AsFloat(PositiveInfinityBits))
        {
            return x;
        }

        return LogCore(x, 0f);
    }

    /// <summary>
    /// ln(1 + (x + xlo)) for −1 &lt; x &lt; +∞ and a tiny xlo (0 for <see cref="Log1p"/>, the low part of
    /// e^−|x| for <see cref="Softplus"/>).
    /// </summary>
    private static float Log1pCore(float x, float xlo)
    {
        // Near 0 (1 + x in (√½, √2)), f = x itself is the exact argument of the kernel: 1 + x is
        // never formed, so nothing is lost to its rounding.
        if (x > Log1pLower && x < Log1pUpper)
        {
            return LogKernel(x, 0f, xlo);
        }

        // Otherwise u = 1 + x rounds. ln(1 + x) = ln u + ln(1 − δ/u) ≈ ln u − δ/u with δ = u − (1 + x).
        // For u < 2²⁴ both u − 1 and x − (u − 1) = −δ are exact (Sterbenz), so c = (−δ + xlo)/u carries
        // the lost part into the logarithm before its last rounding (|δ/u| ≤ 2⁻²⁵ here, so the
        // second-order term is far below an ULP).
        float u = 1f + x;
        float c = ((x - (u - 1f)) + xlo) / u;
        return LogCore(u, c);
    }

    /// <summary>ln(1 + x) in binary32, accurate for small x.</summary>
    /// <param name="x">Any float.</param>
    /// <returns>ln(1 + x); x itself when 1 + x rounds to 1 (so ±0 keep their sign); −∞ for x = −1;
    /// the canonical NaN for x &lt; −1; +∞ for +∞; the argument itself for NaN.</returns>
    /// <remarks>Measured max error: 0.86 ULP over all floats greater than −1.</remarks>
    public static float Log1p(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        if (x <= -1f)
        {
            return x == -1f ? AsFloat(NegativeInfinityBits) : AsFloat(CanonicalNaNBits);
        }

        if (x == AsFloat(PositiveInfinityBits))
        {
            return x;
        }

        // When u = 1 + x rounds to 1, |x| ≤ 2⁻²⁵ and ln(1 + x) = x − x²/2 + … rounds to x (this also
        // keeps the sign of ±0, which the kernel's additions would not).
        float u = 1f + x;
        if (u == 1f)
        {
            return x;
        }

        return Log1pCore(x, 0f);
    }

    /// <summary>Hyperbolic tangent in binary32; odd by construction.</summary>
    /// <param name="x">Any float.</param>
    /// <returns>tanh x; ±1 for |x| ≥ <see cref="TanhSaturation"/>; ±0 keep their sign; the argument
    /// itself for NaN.</returns>
    /// <remarks>Measured max error: 0.85 ULP over all floats.</remarks>
    public static float Tanh(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        // Work on |x| and put the sign bit back at the end: the function is then odd bit for bit,
        // and −0 stays −0.
        int sign = AsInt(x) & unchecked((int)0x80000000);
        float a = AsFloat(AsInt(x) & 0x7FFFFFFF);
        float t;
        if (a < TanhSmall)
        {
            // tanh a = a + a·z·P(z), z = a², P the Taylor series −1/3 + 2/15 z − … to the z⁸ term
            // (the series converges with ratio ≈ (a/(π/2))² ≤ 0.123; truncation < 10⁻⁹ relative).
            // The last step adds the small correction to a with a single rounding.
            float z = a * a;
            float p = TanhT9;
            p = Fma(p, z, TanhT8);
            p = Fma(p, z, TanhT7);
            p = Fma(p, z, TanhT6);
            p = Fma(p, z, TanhT5);
            p = Fma(p, z, TanhT4);
            p = Fma(p, z, TanhT3);
            p = Fma(p, z, TanhT2);
            p = Fma(p, z, TanhT1);
            t = Fma(a, z * p, a);
        }
        else if (a < TanhSaturation)
        {
            // tanh a = 1 − q with q = 2/(E + 1), E = e^{2a} = eh + el (2a is exact). The threshold 0.55
            // makes tanh a ≥ 0.5, so q ≤ 0.5 and its rounding costs at most ¼ ULP of the result.
            // d + dd = E + 1 exactly up to el (Fast2Sum, E > 1); q = 2/d is corrected by the remainder
            // 2 − q·(d + dd), where fma(−q, d, 2) is exact (the remainder of a correctly rounded
            // division is a float).
            float h = ExpCore(a + a, out int n, out float lo);
            float eh = Ldexp(h, n);
            float el = Ldexp(lo, n);
            float d = eh + 1f;
            float dd = ((eh - d) + 1f) + el;
            float q = 2f / d;
            float res = Fma(-q, d, 2f);
            res = Fma(-q, dd, res);
            q = q + res / d;
            t = 1f - q;
        }
        else
        {
            t = 1f;
        }

        return AsFloat(AsInt(t) | sign);
    }

    /// <summary>The logistic function 1/(1 + e^−x) in binary32.</summary>
    /// <param name="x">Any float.</param>
    /// <returns>σ(x) in [0, 1]; the argument itself for NaN.</returns>
    /// <remarks>Measured max error: 0.99 ULP over all floats (the largest errors are for x near −86,
    /// where the low part of e^x is subnormal).</remarks>
    public static float Sigmoid(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        // Only e = e^−|x| ≤ 1 is ever computed (it cannot overflow), as eh + el, or 0 once it
        // underflows. σ(x) = 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0.
        float a = AsFloat(AsInt(x) & 0x7FFFFFFF);
        float eh = 0f;
        float el = 0f;
        if (a <= -ExpUnderflow)
        {
            float h = ExpCore(-a, out int n, out float lo);
            eh = Ldexp(h, n);
            el = Ldexp(lo, n);
        }

        // d + dd = 1 + e (Fast2Sum, 1 ≥ eh, plus el). The numerator is 1 or e = eh + el.
        float d = 1f + eh;
        float dd = ((1f - d) + eh) + el;
        float num = 1f;
        float numlo = 0f;
        if (x < 0f)
        {
            num = eh;
            numlo = el;
        }

        // q = num/d, corrected by the remainder (num + numlo) − q·(d + dd) divided by d; fma(−q, d, num)
        // is exact. Only the final addition rounds at the size of the result.
        float q = num / d;
        float res = Fma(-q, d, num);
        res = res + numlo;
        res = Fma(-q, dd, res);
        return q + res / d;
    }

    /// <summary>softplus(x) = ln(1 + e^x) in binary32.</summary>
    /// <param name="x">Any float.</param>
    /// <returns>softplus(x) ≥ 0; +∞ for +∞, +0 for −∞ (and for x below about −103.97, where e^x
    /// underflows), x itself above about 103.97; the argument itself for NaN.</returns>
    /// <remarks>Measured max error: 1.04 ULP over all floats (for x near −1.27, where log1p's own error
    /// meets that of e^x).</remarks>
    public static float Softplus(float x)
    {
        if (IsNaN(x))
        {
            return x;
        }

        // Once e^x underflows (x < ln 2⁻¹⁵⁰) the result rounds to +0; once e^−x does, it rounds to x.
        if (x < ExpUnderflow)
        {
            return 0f;
        }

        if (x > -ExpUnderflow)
        {
            return x;
        }

        // The stable form max(x, 0) + log1p(e^−|x|) would round the logarithm once more before
        // adding x, which costs up to 1.2 ULP for small x > 0. So up to SoftplusSplit the result is
        // log1p(e^x) in one piece (e^x ≤ e² cannot overflow), and only above it x + log1p(e^−x),
        // where the logarithm is small next to x. e^y = eh + el; el goes into log1p's correction.
        bool above = x > SoftplusSplit;
        float y = above ? -x : x;
        float h = ExpCore(y, out int n, out float lo);
        float eh = Ldexp(h, n);
        float el = Ldexp(lo, n);
        float l = Log1pCore(eh, el);
        return above ? x + l : l;
    }

    /// <summary>
    /// sin(2πu) and cos(2πu) in binary32 (Box–Muller's angle).
    /// </summary>
    /// <param name="u">
    /// Turns; designed for [0, 1]. The reduction is exact for any |u| ≤ 2²⁰. A NaN u gives itself for both
    /// (no arithmetic touches it) and ±∞ the canonical NaN, like the other functions: the NaN that arithmetic
    /// would make has other bits on a GPU than on x86 (measured on an H200: 0x7FFFFFFF).
    /// </param>
    /// <param name="sin">sin(2πu).</param>
    /// <param name="cos">cos(2πu).</param>
    /// <remarks>Measured max error over every float in [0, 1]: sin 1.03 ULP, cos 1.03 ULP (relative
    /// to the double value at the float u; the reduction is exact, so zeros of sin and cos at
    /// multiples of ¼ turn come out as exact ±0 and the error stays relative near them).</remarks>
    public static void SinCosTwoPi(float u, out float sin, out float cos)
    {
        if (IsNaN(u) || u == float.PositiveInfinity || u == float.NegativeInfinity)
        {
            sin = IsNaN(u) ? u : AsFloat(CanonicalNaNBits);
            cos = sin;
            return;
        }

        // Quarter turns: q = round(4u) (4u is exact), f = u − q/4 in [−1/8, 1/8], exact because
        // u and q/4 share the grid of u's last bit (Sterbenz-like), so 2πu = q·π/2 + 2πf exactly.
        float t = 4f * u;
        float k = t + RoundMagic;
        int q = AsInt(k) - AsInt(RoundMagic);
        float qf = k - RoundMagic;
        float f = Fma(qf, -0.25f, u);

        // Polynomials in f itself, with (2π)ᵏ/k! folded into the coefficients, rather than in the
        // rounded angle a = 2πf: this avoids one rounding of the argument. On |2πf| ≤ π/4 the
        // sine to the f⁹ term and the cosine to the f¹⁰ term are within 0.04 ULP of the series.
        float z = f * f;
        float ps = SinS9;
        ps = Fma(ps, z, SinS7);
        ps = Fma(ps, z, SinS5);
        ps = Fma(ps, z, SinS3);
        // 2π = SinS1Hi + SinS1Lo: the low part joins the small tail, the leading f·SinS1Hi is added
        // last with one rounding.
        float tail = Fma(ps, z, SinS1Lo);
        float s = Fma(f, SinS1Hi, f * tail);
        float pc = CosC10;
        pc = Fma(pc, z, CosC8);
        pc = Fma(pc, z, CosC6);
        pc = Fma(pc, z, CosC4);
        pc = Fma(pc, z, CosC2);
        float c = Fma(pc, z, 1f);

        // Rotate by q quarter turns: (sin, cos) → (cos, −sin) for each quarter. Negation is exact.
        if ((q & 1) != 0)
        {
            float swap = s;
            s = c;
            c = -swap;
        }

        if ((q & 2) != 0)
        {
            s = -s;
            c = -c;
        }

        sin = s;
        cos = c;
    }
}

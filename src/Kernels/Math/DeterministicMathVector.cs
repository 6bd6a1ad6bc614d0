using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static IlgpuVae.Kernels.Math.DeterministicMath;

namespace IlgpuVae.Kernels.Math;

/// <summary>
/// 16-lane versions of <see cref="DeterministicMath"/> for the CPU kernels' hot loops. Each lane
/// performs exactly the scalar function's sequence of IEEE operations (vector add, multiply, FMA,
/// divide and bit operations are correctly rounded per lane), and the scalar code's branches become
/// selects between paths that are each computed the same way, so every lane returns the scalar
/// function's bits. Tests compare the two over millions of inputs and the special values.
/// </summary>
public static class DeterministicMathVector
{
    private static readonly Vector512<float> PositiveInfinity = Vector512.Create(float.PositiveInfinity);
    private static readonly Vector512<float> CanonicalNaN = Vector512.Create(BitConverter.Int32BitsToSingle(0x7FC00000));
    private static readonly Vector512<float> NegativeInfinity = Vector512.Create(float.NegativeInfinity);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, float b, float c) => Vector512.FusedMultiplyAdd(a, Vector512.Create(b), Vector512.Create(c));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pow2(Vector512<int> n) => Vector512.ShiftLeft(n + Vector512.Create(127), 23).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> IsNaN(Vector512<float> x) => ~Vector512.Equals(x, x);

    /// <summary>Lane-wise core of exp: e^x = (hi + lo)·2ⁿ for x in the finite range (no special cases).</summary>
    private static Vector512<float> ExpCore(Vector512<float> x, out Vector512<int> n, out Vector512<float> lo)
    {
        var k = Fma(x, Log2E, RoundMagic);
        n = k.AsInt32() - Vector512.Create(BitConverter.SingleToInt32Bits(RoundMagic));
        var nf = k - Vector512.Create(RoundMagic);
        var rh = Fma(-nf, Vector512.Create(Ln2Hi), x);
        var rl = -nf * Vector512.Create(Ln2Lo);
        var r = rh + rl;
        var dr = (rh - r) + rl;
        var p = Vector512.Create(ExpC7);
        p = Fma(p, r, Vector512.Create(ExpC6));
        p = Fma(p, r, Vector512.Create(ExpC5));
        p = Fma(p, r, Vector512.Create(ExpC4));
        p = Fma(p, r, Vector512.Create(ExpC3));
        p = Fma(p, r, Vector512.Create(ExpC2));
        p = Fma(p, r, Vector512<float>.One);
        var hi = Fma(p, r, Vector512<float>.One);
        lo = Fma(p, r, Vector512<float>.One - hi);
        lo = Fma(hi, dr, lo);
        return hi;
    }

    /// <summary>Lane-wise p·2ⁿ: the scalar code picks one of three scalings by n; all three are formed and each lane's own is selected.</summary>
    private static Vector512<float> Ldexp(Vector512<float> p, Vector512<int> n)
    {
        var big = (p * Vector512.Create(TwoPow127)) * Pow2(n - Vector512.Create(127));
        var small = (p * Pow2(n + Vector512.Create(126))) * Vector512.Create(TwoPowMinus126);
        var normal = p * Pow2(n);
        return Vector512.ConditionalSelect(Vector512.GreaterThan(n, Vector512.Create(127)).AsSingle(), big,
            Vector512.ConditionalSelect(Vector512.LessThan(n, Vector512.Create(-126)).AsSingle(), small, normal));
    }

    /// <summary>Lane-wise <see cref="DeterministicMath.Exp"/>.</summary>
    public static Vector512<float> Exp(Vector512<float> x)
    {
        var hi = ExpCore(x, out var n, out var lo);
        var result = Ldexp(hi + lo, n);
        result = Vector512.ConditionalSelect(Vector512.LessThan(x, Vector512.Create(ExpUnderflow)), Vector512<float>.Zero, result);
        result = Vector512.ConditionalSelect(Vector512.GreaterThan(x, Vector512.Create(ExpOverflow)), PositiveInfinity, result);
        return Vector512.ConditionalSelect(IsNaN(x), x, result);
    }

    /// <summary>Lane-wise ln(1 + f) + e·ln 2 with the correction c (the scalar LogKernel).</summary>
    private static Vector512<float> LogKernel(Vector512<float> f, Vector512<float> ef, Vector512<float> c)
    {
        var s = f / (Vector512.Create(2f) + f);
        var z = s * s;
        var r = Vector512.Create(LogL4);
        r = Fma(r, z, Vector512.Create(LogL3));
        r = Fma(r, z, Vector512.Create(LogL2));
        r = Fma(r, z, Vector512.Create(LogL1));
        r = r * z;
        var hfsq = (Vector512.Create(0.5f) * f) * f;
        var lo = Fma(s, hfsq + r, c);
        lo = Fma(ef, Vector512.Create(Ln2Lo), lo);
        var t = (hfsq - lo) - f;
        var hi = ef * Vector512.Create(Ln2Hi);
        return hi - t;
    }

    /// <summary>Lane-wise ln x with the correction c folded in (x positive and finite; the scalar LogCore).</summary>
    private static Vector512<float> LogCore(Vector512<float> x, Vector512<float> c)
    {
        var subnormal = Vector512.LessThan(x, Vector512.Create(TwoPowMinus126));
        x = Vector512.ConditionalSelect(subnormal, x * Vector512.Create(TwoPow23), x);
        var e = Vector512.ConditionalSelect(subnormal.AsInt32(), Vector512.Create(-23), Vector512<int>.Zero);
        var ix = x.AsInt32();
        e = e + (Vector512.ShiftRightArithmetic(ix, 23) - Vector512.Create(127));
        var m = ((ix & Vector512.Create(0x007FFFFF)) | Vector512.Create(0x3F800000)).AsSingle();
        var above = Vector512.GreaterThan(m, Vector512.Create(Sqrt2));
        m = Vector512.ConditionalSelect(above, m * Vector512.Create(0.5f), m);
        e = Vector512.ConditionalSelect(above.AsInt32(), e + Vector512<int>.One, e);
        return LogKernel(m - Vector512<float>.One, Vector512.ConvertToSingle(e), c);
    }

    /// <summary>Lane-wise ln(1 + x + xlo) (the scalar Log1pCore).</summary>
    private static Vector512<float> Log1pCore(Vector512<float> x, Vector512<float> xlo)
    {
        var direct = LogKernel(x, Vector512<float>.Zero, xlo);
        var u = Vector512<float>.One + x;
        var c = ((x - (u - Vector512<float>.One)) + xlo) / u;
        var viaU = LogCore(u, c);
        var inDirectRange = Vector512.GreaterThan(x, Vector512.Create(Log1pLower)) & Vector512.LessThan(x, Vector512.Create(Log1pUpper));
        return Vector512.ConditionalSelect(inDirectRange, direct, viaU);
    }

    /// <summary>Lane-wise <see cref="DeterministicMath.Log1p"/>.</summary>
    public static Vector512<float> Log1p(Vector512<float> x)
    {
        var u = Vector512<float>.One + x;
        var result = Log1pCore(x, Vector512<float>.Zero);
        result = Vector512.ConditionalSelect(Vector512.Equals(u, Vector512<float>.One), x, result);
        result = Vector512.ConditionalSelect(Vector512.Equals(x, PositiveInfinity), x, result);
        var belowMinusOne = Vector512.LessThanOrEqual(x, Vector512.Create(-1f));
        var atMinusOne = Vector512.Equals(x, Vector512.Create(-1f));
        result = Vector512.ConditionalSelect(belowMinusOne, Vector512.ConditionalSelect(atMinusOne, NegativeInfinity, CanonicalNaN), result);
        return Vector512.ConditionalSelect(IsNaN(x), x, result);
    }

    /// <summary>Lane-wise <see cref="DeterministicMath.Tanh"/>.</summary>
    public static Vector512<float> Tanh(Vector512<float> x)
    {
        var bits = x.AsInt32();
        var sign = bits & Vector512.Create(unchecked((int)0x80000000));
        var a = (bits & Vector512.Create(0x7FFFFFFF)).AsSingle();
        // |a| < 0.55: the odd Taylor polynomial.
        var z = a * a;
        var p = Vector512.Create(TanhT9);
        p = Fma(p, z, Vector512.Create(TanhT8));
        p = Fma(p, z, Vector512.Create(TanhT7));
        p = Fma(p, z, Vector512.Create(TanhT6));
        p = Fma(p, z, Vector512.Create(TanhT5));
        p = Fma(p, z, Vector512.Create(TanhT4));
        p = Fma(p, z, Vector512.Create(TanhT3));
        p = Fma(p, z, Vector512.Create(TanhT2));
        p = Fma(p, z, Vector512.Create(TanhT1));
        var small = Fma(a, z * p, a);
        // 0.55 ≤ |a| < 9.1: 1 − 2/(e^{2a} + 1) with the corrected division.
        var h = ExpCore(a + a, out var n, out var lo);
        var eh = Ldexp(h, n);
        var el = Ldexp(lo, n);
        var d = eh + Vector512<float>.One;
        var dd = ((eh - d) + Vector512<float>.One) + el;
        var two = Vector512.Create(2f);
        var q = two / d;
        var res = Fma(-q, d, two);
        res = Fma(-q, dd, res);
        q = q + res / d;
        var middle = Vector512<float>.One - q;
        var t = Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhSmall)), small,
            Vector512.ConditionalSelect(Vector512.LessThan(a, Vector512.Create(TanhSaturation)), middle, Vector512<float>.One));
        var result = (t.AsInt32() | sign).AsSingle();
        return Vector512.ConditionalSelect(IsNaN(x), x, result);
    }

    /// <summary>Lane-wise <see cref="DeterministicMath.Sigmoid"/>.</summary>
    public static Vector512<float> Sigmoid(Vector512<float> x)
    {
        var a = (x.AsInt32() & Vector512.Create(0x7FFFFFFF)).AsSingle();
        var h = ExpCore(-a, out var n, out var lo);
        var inRange = Vector512.LessThanOrEqual(a, Vector512.Create(-ExpUnderflow));
        var eh = Vector512.ConditionalSelect(inRange, Ldexp(h, n), Vector512<float>.Zero);
        var el = Vector512.ConditionalSelect(inRange, Ldexp(lo, n), Vector512<float>.Zero);
        var d = Vector512<float>.One + eh;
        var dd = ((Vector512<float>.One - d) + eh) + el;
        var negative = Vector512.LessThan(x, Vector512<float>.Zero);
        var num = Vector512.ConditionalSelect(negative, eh, Vector512<float>.One);
        var numlo = Vector512.ConditionalSelect(negative, el, Vector512<float>.Zero);
        var q = num / d;
        var res = Fma(-q, d, num);
        res = res + numlo;
        res = Fma(-q, dd, res);
        var result = q + res / d;
        return Vector512.ConditionalSelect(IsNaN(x), x, result);
    }
}

/*
 * detmath.h - the engine's deterministic float transcendentals for the devices.
 *
 * The same algorithms, constants and operation order as
 * src/Kernels/Math/DeterministicMath.cs, line by line (C# Exp <-> det_exp, Ln2Hi <-> DET_LN2_HI, ...),
 * so that CUDA, OpenCL and the CPU produce the same bits.
 *
 * Portable dialect: C99 subset compiled as OpenCL C 1.2 and as CUDA C (NVRTC). Include a prelude
 * first (prelude_opencl.h or prelude_cuda.h), which defines DEVICE_FN, FMA, SQRT, AS_INT, AS_UINT,
 * AS_FLOAT, UMULHI and the uint type. FP contraction must be off: OpenCL by the prelude's
 * FP_CONTRACT pragma, NVRTC by --fmad=false. Only + - * /, FMA, SQRT,
 * exact bit casts, comparisons and small-integer conversions are used; every literal is a float
 * (suffix f), never a double. Function names are the C# ones in snake case with a det_ prefix.
 *
 * Constants are C99 hex-float literals; the C# constants are the same binary32 values (the tests
 * parse this file and compare the bits).
 */
#ifndef ILGPUVAE_DETMATH_H
#define ILGPUVAE_DETMATH_H

/* ---- shared constants ---- */
#define DET_ROUND_MAGIC        0x1.8p+23f        /* 1.5*2^23: round-to-nearest-integer trick */
#define DET_TWO_POW23          0x1p+23f
#define DET_TWO_POW127         0x1p+127f
#define DET_TWO_POW_MINUS126   0x1p-126f
#define DET_LOG2_E             0x1.715476p+0f
#define DET_LN2_HI             0x1.62e4p-1f      /* ln 2 to 15 bits: n*LN2_HI exact for |n| <= 2^9 */
#define DET_LN2_LO             0x1.7f7d1cp-20f   /* ln 2 - LN2_HI */

/* ---- exp ---- */
#define DET_EXP_OVERFLOW       0x1.62e42ep+6f    /* largest x with finite e^x */
#define DET_EXP_UNDERFLOW      (-0x1.9fe368p+6f) /* smallest float above ln 2^-150 */
#define DET_EXP_C2             0x1p-1f           /* 1/2! */
#define DET_EXP_C3             0x1.555556p-3f    /* 1/3! */
#define DET_EXP_C4             0x1.555556p-5f    /* 1/4! */
#define DET_EXP_C5             0x1.111112p-7f    /* 1/5! */
#define DET_EXP_C6             0x1.6c16c2p-10f   /* 1/6! */
#define DET_EXP_C7             0x1.a01a02p-13f   /* 1/7! */

/* ---- log ---- */
#define DET_SQRT2              0x1.6a09e6p+0f    /* sqrt 2 rounded down */
#define DET_LOG_L1             0x1.555556p-1f    /* 2/3 */
#define DET_LOG_L2             0x1.99999ap-2f    /* 2/5 */
#define DET_LOG_L3             0x1.24924ap-2f    /* 2/7 */
#define DET_LOG_L4             0x1.c71c72p-3f    /* 2/9 */
#define DET_LOG1P_LOWER        (-0x1.2bec34p-2f) /* sqrt(1/2) - 1 */
#define DET_LOG1P_UPPER        0x1.a82798p-2f    /* sqrt 2 - 1 (exactly DET_SQRT2 - 1) */

/* ---- tanh ---- */
#define DET_TANH_SMALL         0x1.19999ap-1f    /* 0.55 */
#define DET_TANH_SATURATION    0x1.233334p+3f    /* 9.1 */
#define DET_TANH_T1            (-0x1.555556p-2f) /* -1/3 */
#define DET_TANH_T2            0x1.111112p-3f    /* 2/15 */
#define DET_TANH_T3            (-0x1.ba1ba2p-5f) /* -17/315 */
#define DET_TANH_T4            0x1.664f48p-6f    /* 62/2835 */
#define DET_TANH_T5            (-0x1.226e36p-7f) /* -1382/155925 */
#define DET_TANH_T6            0x1.d6d3dp-9f     /* 21844/6081075 */
#define DET_TANH_T7            (-0x1.7da364p-10f) /* -929569/638512875 */
#define DET_TANH_T8            0x1.355824p-11f   /* 6404582/10854718875 */
#define DET_TANH_T9            (-0x1.f57d78p-13f) /* -443861162/1856156927625 */

/* ---- softplus ---- */
#define DET_SOFTPLUS_SPLIT     0x1p+1f           /* 2: log1p(e^x) below, x + log1p(e^-x) above */

/* ---- sin/cos of 2*pi*f, coefficients (2 pi)^k / k! ---- */
#define DET_SIN_S1_HI          0x1.921fb6p+2f    /* 2 pi */
#define DET_SIN_S1_LO          (-0x1.777a5cp-23f) /* 2 pi - S1_HI */
#define DET_SIN_S3             (-0x1.4abbcep+5f)
#define DET_SIN_S5             0x1.466bc6p+6f
#define DET_SIN_S7             (-0x1.32d2ccp+6f)
#define DET_SIN_S9             0x1.507834p+5f
#define DET_COS_C2             (-0x1.3bd3ccp+4f)
#define DET_COS_C4             0x1.03c1fp+6f
#define DET_COS_C6             (-0x1.55d3c8p+6f)
#define DET_COS_C8             0x1.e1f506p+5f
#define DET_COS_C10            (-0x1.a6d1f2p+4f)

/* ---- special values by their bits (a NaN made by arithmetic has different bits on x86 and GPUs) ---- */
#define DET_POS_INF_BITS       0x7f800000
#define DET_NEG_INF_BITS       ((int)0xff800000u)
#define DET_NAN_BITS           0x7fc00000

/* NaN test by comparison (C#: float.IsNaN). Valid because no fast-math flag is ever used. */
DEVICE_FN int det_isnan(float x)
{
    return x != x;
}

/* 2^n for -126 <= n <= 127, built in the exponent field (exact). */
DEVICE_FN float det_pow2(int n)
{
    return AS_FLOAT((n + 127) << 23);
}

/* e^x = (hi + lo)*2^n for x in [EXP_UNDERFLOW, EXP_OVERFLOW]; returns hi in [0.70, 1.42],
   lo (below one ULP of hi) and n in [-150, 128]. No special cases. */
DEVICE_FN float det_exp_core(float x, int* n_out, float* lo_out)
{
    /* n = round(x*log2 e), one rounding onto the 1.5*2^23 grid, read back exactly. */
    float k = FMA(x, DET_LOG2_E, DET_ROUND_MAGIC);
    int n = AS_INT(k) - AS_INT(DET_ROUND_MAGIC);
    float nf = k - DET_ROUND_MAGIC;

    /* Cody-Waite: r = x - n*ln2. rh is exact; r = rh + rl rounds, dr is that rounding error. */
    float rh = FMA(-nf, DET_LN2_HI, x);
    float rl = -nf * DET_LN2_LO;
    float r = rh + rl;
    float dr = (rh - r) + rl;

    /* Degree-7 Taylor polynomial of e^r, Horner with FMA, down to p = (e^r - 1)/r. */
    float p = DET_EXP_C7;
    p = FMA(p, r, DET_EXP_C6);
    p = FMA(p, r, DET_EXP_C5);
    p = FMA(p, r, DET_EXP_C4);
    p = FMA(p, r, DET_EXP_C3);
    p = FMA(p, r, DET_EXP_C2);
    p = FMA(p, r, 1.0f);

    /* hi = 1 + r*p rounded; lo = its rounding error (1 - hi is exact) plus e^r*dr. */
    float hi = FMA(p, r, 1.0f);
    float lo = FMA(p, r, 1.0f - hi);
    lo = FMA(hi, dr, lo);
    *n_out = n;
    *lo_out = lo;
    return hi;
}

/* p*2^n for -150 <= n <= 128 (p*2^(n+126) must stay normal): exact, except that a subnormal result
   is rounded once. */
DEVICE_FN float det_ldexp(float p, int n)
{
    if (n > 127)
    {
        return p * DET_TWO_POW127 * det_pow2(n - 127);
    }

    if (n < -126)
    {
        return p * det_pow2(n + 126) * DET_TWO_POW_MINUS126;
    }

    return p * det_pow2(n);
}

/* e^x. Measured max error 0.86 ULP. See DeterministicMath.Exp for the reasoning. */
DEVICE_FN float det_exp(float x)
{
    if (det_isnan(x))
    {
        return x;
    }

    if (x > DET_EXP_OVERFLOW)
    {
        return AS_FLOAT(DET_POS_INF_BITS);
    }

    if (x < DET_EXP_UNDERFLOW)
    {
        return 0.0f;
    }

    int n;
    float lo;
    float hi = det_exp_core(x, &n, &lo);
    return det_ldexp(hi + lo, n);
}

/* e*ln 2 + ln(1 + f) + c for an exact f in [sqrt(1/2) - 1, sqrt 2 - 1], an exponent e (as a float)
   and a tiny correction c, folded in before the last rounding. */
DEVICE_FN float det_log_kernel(float f, float ef, float c)
{
    /* s = f/(2+f), ln(1 + f) = f - hfsq + s*(hfsq + R), R = z*(2/3 + z*(2/5 + z*(2/7 + z*2/9))). */
    float s = f / (2.0f + f);
    float z = s * s;
    float r = DET_LOG_L4;
    r = FMA(r, z, DET_LOG_L3);
    r = FMA(r, z, DET_LOG_L2);
    r = FMA(r, z, DET_LOG_L1);
    r = r * z;
    float hfsq = (0.5f * f) * f;

    /* e*LN2_HI + (f - (hfsq - (s*(hfsq + R) + c + e*LN2_LO))), small parts first. */
    float lo = FMA(s, hfsq + r, c);
    lo = FMA(ef, DET_LN2_LO, lo);
    float t = (hfsq - lo) - f;
    float hi = ef * DET_LN2_HI;
    return hi - t;
}

/* ln x + c for positive finite x (subnormals included) and a tiny correction c. */
DEVICE_FN float det_log_core(float x, float c)
{
    /* Subnormals: scale by 2^23 (exact). */
    int e = 0;
    if (x < DET_TWO_POW_MINUS126)
    {
        x = x * DET_TWO_POW23;
        e = -23;
    }

    /* x = m*2^e, m in (sqrt 1/2, sqrt 2); f = m - 1 is exact. */
    int ix = AS_INT(x);
    e = e + ((ix >> 23) - 127);
    float m = AS_FLOAT((ix & 0x007fffff) | 0x3f800000);
    if (m > DET_SQRT2)
    {
        m = m * 0.5f;
        e = e + 1;
    }

    return det_log_kernel(m - 1.0f, (float)e, c);
}

/* ln x. Measured max error 0.86 ULP. */
DEVICE_FN float det_log(float x)
{
    if (det_isnan(x))
    {
        return x;
    }

    if (x <= 0.0f)
    {
        return x == 0.0f ? AS_FLOAT(DET_NEG_INF_BITS) : AS_FLOAT(DET_NAN_BITS);
    }

    if (x == AS_FLOAT(DET_POS_INF_BITS))
    {
        return x;
    }

    return det_log_core(x, 0.0f);
}

/* ln(1 + (x + xlo)) for -1 < x < +inf and a tiny xlo; the rounding error of 1 + x and xlo are
   folded into the logarithm before its last rounding. */
DEVICE_FN float det_log1p_core(float x, float xlo)
{
    /* Near 0, f = x itself is exact: no rounding of 1 + x at all. */
    if (x > DET_LOG1P_LOWER && x < DET_LOG1P_UPPER)
    {
        return det_log_kernel(x, 0.0f, xlo);
    }

    /* Otherwise u = 1 + x rounds; c = (rounding error + xlo)/u with an exact numerator. */
    float u = 1.0f + x;
    float c = ((x - (u - 1.0f)) + xlo) / u;
    return det_log_core(u, c);
}

/* ln(1 + x). Measured max error 0.86 ULP. */
DEVICE_FN float det_log1p(float x)
{
    if (det_isnan(x))
    {
        return x;
    }

    if (x <= -1.0f)
    {
        return x == -1.0f ? AS_FLOAT(DET_NEG_INF_BITS) : AS_FLOAT(DET_NAN_BITS);
    }

    if (x == AS_FLOAT(DET_POS_INF_BITS))
    {
        return x;
    }

    /* When 1 + x rounds to 1, ln(1 + x) rounds to x (and +-0 keep their sign). */
    float u = 1.0f + x;
    if (u == 1.0f)
    {
        return x;
    }

    return det_log1p_core(x, 0.0f);
}

/* tanh x, odd by construction. Measured max error 0.85 ULP. */
DEVICE_FN float det_tanh(float x)
{
    if (det_isnan(x))
    {
        return x;
    }

    /* Work on |x|, put the sign bit back at the end. */
    int sign = AS_INT(x) & (int)0x80000000u;
    float a = AS_FLOAT(AS_INT(x) & 0x7fffffff);
    float t;
    if (a < DET_TANH_SMALL)
    {
        /* Taylor: a + a*z*P(z), z = a^2, P to the z^8 term. */
        float z = a * a;
        float p = DET_TANH_T9;
        p = FMA(p, z, DET_TANH_T8);
        p = FMA(p, z, DET_TANH_T7);
        p = FMA(p, z, DET_TANH_T6);
        p = FMA(p, z, DET_TANH_T5);
        p = FMA(p, z, DET_TANH_T4);
        p = FMA(p, z, DET_TANH_T3);
        p = FMA(p, z, DET_TANH_T2);
        p = FMA(p, z, DET_TANH_T1);
        t = FMA(a, z * p, a);
    }
    else if (a < DET_TANH_SATURATION)
    {
        /* 1 - 2/(E + 1), E = e^(2a) = eh + el (2a is exact); d + dd = E + 1 (Fast2Sum, E > 1);
           q = 2/d, then the remainder 2 - q*(d + dd) (fma(-q, d, 2) is exact) corrects q. */
        int n;
        float lo;
        float h = det_exp_core(a + a, &n, &lo);
        float eh = det_ldexp(h, n);
        float el = det_ldexp(lo, n);
        float d = eh + 1.0f;
        float dd = ((eh - d) + 1.0f) + el;
        float q = 2.0f / d;
        float res = FMA(-q, d, 2.0f);
        res = FMA(-q, dd, res);
        q = q + res / d;
        t = 1.0f - q;
    }
    else
    {
        t = 1.0f;
    }

    return AS_FLOAT(AS_INT(t) | sign);
}

/* 1/(1 + e^-x). Measured max error 0.99 ULP. */
DEVICE_FN float det_sigmoid(float x)
{
    if (det_isnan(x))
    {
        return x;
    }

    /* e = e^-|x| = eh + el (0 once it underflows). */
    float a = AS_FLOAT(AS_INT(x) & 0x7fffffff);
    float eh = 0.0f;
    float el = 0.0f;
    if (a <= -DET_EXP_UNDERFLOW)
    {
        int n;
        float lo;
        float h = det_exp_core(-a, &n, &lo);
        eh = det_ldexp(h, n);
        el = det_ldexp(lo, n);
    }

    /* d + dd = 1 + e (Fast2Sum, 1 >= eh); the numerator is 1 for x >= 0, e for x < 0. */
    float d = 1.0f + eh;
    float dd = ((1.0f - d) + eh) + el;
    float num = 1.0f;
    float numlo = 0.0f;
    if (x < 0.0f)
    {
        num = eh;
        numlo = el;
    }

    /* q = num/d, corrected by the remainder (num + numlo) - q*(d + dd); fma(-q, d, num) is exact. */
    float q = num / d;
    float res = FMA(-q, d, num);
    res = res + numlo;
    res = FMA(-q, dd, res);
    return q + res / d;
}

/* ln(1 + e^x): log1p(e^x) up to SOFTPLUS_SPLIT, x + log1p(e^-x) above. Measured max error 1.04 ULP. */
DEVICE_FN float det_softplus(float x)
{
    if (det_isnan(x))
    {
        return x;
    }

    /* e^x underflows: the result rounds to +0; e^-x underflows: the result rounds to x. */
    if (x < DET_EXP_UNDERFLOW)
    {
        return 0.0f;
    }

    if (x > -DET_EXP_UNDERFLOW)
    {
        return x;
    }

    /* e^y = eh + el with y = x (x <= SPLIT) or y = -x (x > SPLIT); the low part goes into log1p. */
    int above = x > DET_SOFTPLUS_SPLIT;
    float y = above ? -x : x;
    int n;
    float lo;
    float h = det_exp_core(y, &n, &lo);
    float eh = det_ldexp(h, n);
    float el = det_ldexp(lo, n);
    float l = det_log1p_core(eh, el);
    return above ? x + l : l;
}

/* sin(2 pi u) and cos(2 pi u), u in [0, 1] (exact reduction for |u| <= 2^20).
   Measured max error: sin 1.03 ULP, cos 1.03 ULP. */
DEVICE_FN void det_sincos_2pi(float u, float* sin_out, float* cos_out)
{
    /* Quarter turns: q = round(4u), f = u - q/4 in [-1/8, 1/8], exact. */
    float t = 4.0f * u;
    float k = t + DET_ROUND_MAGIC;
    int q = AS_INT(k) - AS_INT(DET_ROUND_MAGIC);
    float qf = k - DET_ROUND_MAGIC;
    float f = FMA(qf, -0.25f, u);

    /* Polynomials in f with (2 pi)^k/k! folded into the coefficients. */
    float z = f * f;
    float ps = DET_SIN_S9;
    ps = FMA(ps, z, DET_SIN_S7);
    ps = FMA(ps, z, DET_SIN_S5);
    ps = FMA(ps, z, DET_SIN_S3);
    float tail = FMA(ps, z, DET_SIN_S1_LO);
    float s = FMA(f, DET_SIN_S1_HI, f * tail);
    float pc = DET_COS_C10;
    pc = FMA(pc, z, DET_COS_C8);
    pc = FMA(pc, z, DET_COS_C6);
    pc = FMA(pc, z, DET_COS_C4);
    pc = FMA(pc, z, DET_COS_C2);
    float c = FMA(pc, z, 1.0f);

    /* Rotate by q quarter turns: (sin, cos) -> (cos, -sin) per quarter. */
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

    *sin_out = s;
    *cos_out = c;
}

#endif /* ILGPUVAE_DETMATH_H */

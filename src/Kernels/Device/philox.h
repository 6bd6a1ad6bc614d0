/*
 * philox.h - Philox4x32-10 (Salmon et al., SC 2011), the exact uniform and the Box-Muller normal.
 *
 * Line by line the same as src/Kernels/Math/Philox4x32.cs (Generate <-> philox4x32_10,
 * ToUniform <-> philox_uniform, StandardNormal <-> philox_normal). Include after the prelude and
 * detmath.h.
 */
#ifndef ILGPUVAE_PHILOX_H
#define ILGPUVAE_PHILOX_H

#define PHILOX_M0             0xD2511F53u
#define PHILOX_M1             0xCD9E8D57u
#define PHILOX_W0             0x9E3779B9u
#define PHILOX_W1             0xBB67AE85u
#define PHILOX_ROUNDS         10
#define PHILOX_UNIFORM_SCALE  0x1p-23f

/* The four output words of one Philox call. */
typedef struct
{
    uint x0;
    uint x1;
    uint x2;
    uint x3;
} philox_uint4;

/* Philox4x32-10 of counter (c0..c3) under key (k0, k1). */
DEVICE_FN philox_uint4 philox4x32_10(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
{
    for (int round = 0; round < PHILOX_ROUNDS; round++)
    {
        /* The key is bumped before every round but the first (wrapping). */
        if (round > 0)
        {
            k0 = k0 + PHILOX_W0;
            k1 = k1 + PHILOX_W1;
        }

        /* Two 32x32->64 multiplications; high halves mixed with the other words and the key. */
        uint hi0 = UMULHI(PHILOX_M0, c0);
        uint lo0 = PHILOX_M0 * c0;
        uint hi1 = UMULHI(PHILOX_M1, c2);
        uint lo1 = PHILOX_M1 * c2;
        c0 = hi1 ^ c1 ^ k0;
        c1 = lo1;
        c2 = hi0 ^ c3 ^ k1;
        c3 = lo0;
    }

    philox_uint4 out;
    out.x0 = c0;
    out.x1 = c1;
    out.x2 = c2;
    out.x3 = c3;
    return out;
}

/* u = ((x >> 9) + 1/2) * 2^-23, exact, in [2^-24, 1 - 2^-24]. */
DEVICE_FN float philox_uniform(uint x)
{
    float k = (float)(x >> 9);
    return (k + 0.5f) * PHILOX_UNIFORM_SCALE;
}

/* One standard normal by Box-Muller: t = log(u1); t = -2*t; r = sqrt(t); z = r*cos(2 pi u2). */
DEVICE_FN float philox_normal(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
{
    philox_uint4 x = philox4x32_10(c0, c1, c2, c3, k0, k1);
    float u1 = philox_uniform(x.x0);
    float u2 = philox_uniform(x.x1);
    float t = det_log(u1);
    t = -2.0f * t;
    float r = SQRT(t);
    float s;
    float c;
    det_sincos_2pi(u2, &s, &c);
    return r * c;
}

#endif /* ILGPUVAE_PHILOX_H */

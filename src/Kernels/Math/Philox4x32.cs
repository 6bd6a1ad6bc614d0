namespace IlgpuVae.Kernels.Math;

/// <summary>
/// The Philox4x32-10 counter-based random number generator (Salmon, Moraes, Dror and Shaw,
/// "Parallel random numbers: as easy as 1, 2, 3", SC 2011), with the engine's exact uniform and
/// Box–Muller normal on top. The ILGPU device kernels call this same code.
/// </summary>
/// <remarks>
/// A counter-based generator is a pure function of (counter, key): every element draws its own
/// numbers from its own counter, so results never depend on thread count or launch geometry.
/// </remarks>
public static class Philox4x32
{
    /// <summary>Round multiplier applied to counter word 0 (<c>PHILOX_M0</c>).</summary>
    public const uint M0 = 0xD2511F53u;

    /// <summary>Round multiplier applied to counter word 2 (<c>PHILOX_M1</c>).</summary>
    public const uint M1 = 0xCD9E8D57u;

    /// <summary>Weyl increment of key word 0 between rounds, the golden ratio in 32 bits (<c>PHILOX_W0</c>).</summary>
    public const uint W0 = 0x9E3779B9u;

    /// <summary>Weyl increment of key word 1 between rounds, √3 − 1 in 32 bits (<c>PHILOX_W1</c>).</summary>
    public const uint W1 = 0xBB67AE85u;

    /// <summary>The number of rounds (<c>PHILOX_ROUNDS</c>).</summary>
    public const int Rounds = 10;

    /// <summary>2⁻²³ (bits 0x34000000, hex 0x1p-23, <c>PHILOX_UNIFORM_SCALE</c>): the spacing of the
    /// uniform grid of <see cref="ToUniform"/>.</summary>
    public const float UniformScale = 1.1920929e-07f;

    /// <summary>Philox4x32-10 of one 128-bit counter under one 64-bit key.</summary>
    /// <param name="c0">Counter word 0.</param>
    /// <param name="c1">Counter word 1.</param>
    /// <param name="c2">Counter word 2.</param>
    /// <param name="c3">Counter word 3.</param>
    /// <param name="k0">Key word 0.</param>
    /// <param name="k1">Key word 1.</param>
    /// <returns>Four independent uniformly distributed 32-bit words.</returns>
    public static (uint X0, uint X1, uint X2, uint X3) Generate(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        unchecked
        {
            for (int round = 0; round < Rounds; round++)
            {
                // The key is bumped before every round but the first (Weyl sequence, wrapping).
                if (round > 0)
                {
                    k0 = k0 + W0;
                    k1 = k1 + W1;
                }

                // One round: two 32×32→64 multiplications, then the high halves are mixed with the
                // other counter words and the key, and the words are permuted.
                ulong p0 = (ulong)M0 * c0;
                ulong p1 = (ulong)M1 * c2;
                uint hi0 = (uint)(p0 >> 32);
                uint lo0 = (uint)p0;
                uint hi1 = (uint)(p1 >> 32);
                uint lo1 = (uint)p1;
                c0 = hi1 ^ c1 ^ k0;
                c1 = lo1;
                c2 = hi0 ^ c3 ^ k1;
                c3 = lo0;
            }

            return (c0, c1, c2, c3);
        }
    }

    /// <summary>
    /// Maps a 32-bit word to a float uniform in the open interval (0, 1), exactly:
    /// u = ((x &gt;&gt; 9) + ½)·2⁻²³, the midpoints of 2²³ equal cells.
    /// </summary>
    /// <param name="x">A random word; its top 23 bits are used.</param>
    /// <returns>A float in [2⁻²⁴, 1 − 2⁻²⁴], never 0 (so ln u is finite) and never 1.</returns>
    /// <remarks>
    /// Every operation is exact: x &gt;&gt; 9 &lt; 2²³ converts exactly, k + ½ needs 24 bits, and the scale
    /// is a power of two. With 24 bits (((x &gt;&gt; 8) + ½)·2⁻²⁴) the upper half of the values would need
    /// 25 bits: they would round (ties to even, so x = 0xFFFFFFFF would give exactly 1), which is why
    /// the top 23 bits are used. The map is symmetric: ToUniform(~x) = 1 − ToUniform(x).
    /// </remarks>
    public static float ToUniform(uint x)
    {
        // Through int: C# converts an unsigned value to float by way of double (conv.r.un), which device
        // code would then carry as a double; x >> 9 < 2²³ converts exactly either way.
        float k = (float)(int)(x >> 9);
        return (k + 0.5f) * UniformScale;
    }

    /// <summary>
    /// One standard normal number by Box–Muller from a single Philox call:
    /// u1 = uniform(X0), u2 = uniform(X1), r = √(−2 ln u1), z = r·cos(2π u2).
    /// </summary>
    /// <param name="c0">Counter word 0.</param>
    /// <param name="c1">Counter word 1.</param>
    /// <param name="c2">Counter word 2.</param>
    /// <param name="c3">Counter word 3.</param>
    /// <param name="k0">Key word 0.</param>
    /// <param name="k1">Key word 1.</param>
    /// <returns>A N(0, 1) sample, |z| ≤ √(48 ln 2) ≈ 5.77 (the smallest uniform is 2⁻²⁴).</returns>
    /// <remarks>The operation order is part of the contract: t = ln u1; t = −2·t; r = √t; then
    /// (s, c) = sincos(2π·u2) by <see cref="DeterministicMath.SinCosTwoPi"/>; z = r·c.</remarks>
    public static float StandardNormal(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        (uint x0, uint x1, _, _) = Generate(c0, c1, c2, c3, k0, k1);
        float u1 = ToUniform(x0);
        float u2 = ToUniform(x1);
        float t = DeterministicMath.Log(u1);
        t = -2f * t;
        float r = MathF.Sqrt(t);
        DeterministicMath.SinCosTwoPi(u2, out _, out float c);
        return r * c;
    }
}

using IlgpuVae.Kernels.Math;
using NUnit.Framework;

namespace IlgpuVae.Tests.Kernels;

/// <summary>
/// <see cref="Philox4x32"/>: the published known-answer vectors of Philox4x32-10, the exact uniform
/// map, the moments of the Box–Muller normal, and known answers of an independent C build.
/// </summary>
[TestFixture]
public sealed class PhiloxTests
{
    // Known-answer vectors of Philox4x32-10 (Random123's kat_vectors).
    [TestCase(0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u,
        0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu,
        0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u,
        0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void Generate_MatchesTheKnownAnswerVectors(
        uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint x0, uint x1, uint x2, uint x3)
    {
        (uint X0, uint X1, uint X2, uint X3) result = Philox4x32.Generate(c0, c1, c2, c3, k0, k1);
        Assert.That(result, Is.EqualTo((x0, x1, x2, x3)));
    }

    [Test]
    public void ToUniform_EndsAreExactAndInsideTheOpenInterval()
    {
        // The grid is the midpoints of 2²³ cells: 2⁻²⁴ … 1 − 2⁻²⁴, both exact floats.
        Assert.That(Philox4x32.ToUniform(0u), Is.EqualTo(MathF.ScaleB(1f, -24)));
        Assert.That(Philox4x32.ToUniform(0xffffffffu), Is.EqualTo(1f - MathF.ScaleB(1f, -24)));
        Assert.That(Philox4x32.ToUniform(0u), Is.GreaterThan(0f));
        Assert.That(Philox4x32.ToUniform(0xffffffffu), Is.LessThan(1f));
    }

    [Test]
    public void ToUniform_IsExactMonotoneAndSymmetric()
    {
        float previous = 0f;
        for (uint k = 0; k < (1u << 23); k += 97)
        {
            uint x = (k << 9) | (k & 0x1FFu);
            float u = Philox4x32.ToUniform(x);

            // Exact: the value is (k + ½)·2⁻²³ with no rounding; ToUniform(~x) = 1 − ToUniform(x).
            if ((double)u != (k + 0.5) * System.Math.ScaleB(1.0, -23) || !(u > previous) || Philox4x32.ToUniform(~x) != 1f - u)
            {
                Assert.Fail($"ToUniform(0x{x:X8}) = {u:R} is not exact, monotone and symmetric");
            }

            previous = u;
        }
    }

    [Test]
    public void StandardNormal_FollowsTheSpelledOutContract()
    {
        for (uint i = 0; i < 4096; i++)
        {
            (uint x0, uint x1, _, _) = Philox4x32.Generate(i, 3u, 5u, 7u, 11u, 13u);
            float u1 = Philox4x32.ToUniform(x0);
            float u2 = Philox4x32.ToUniform(x1);
            float t = DeterministicMath.Log(u1);
            t = -2f * t;
            float r = MathF.Sqrt(t);
            DeterministicMath.SinCosTwoPi(u2, out _, out float c);
            float expected = r * c;
            Assert.That(
                BitConverter.SingleToInt32Bits(Philox4x32.StandardNormal(i, 3u, 5u, 7u, 11u, 13u)),
                Is.EqualTo(BitConverter.SingleToInt32Bits(expected)));
        }
    }

    [Test]
    public void StandardNormal_HasTheMomentsOfN01()
    {
        // 10⁶ draws at consecutive counters under one key. Standard errors: mean 10⁻³, variance
        // √2·10⁻³, fourth moment √96·10⁻³; the tolerances are about 5 standard errors.
        const int n = 1_000_000;
        double sum = 0;
        double sum2 = 0;
        double sum4 = 0;
        float maxAbs = 0;
        int nonFinite = 0;
        for (uint i = 0; i < n; i++)
        {
            float z = Philox4x32.StandardNormal(i, 0u, 42u, 0u, 0x9E3779B9u, 0x12345678u);
            if (!float.IsFinite(z))
            {
                nonFinite++;
            }

            double d = z;
            sum += d;
            sum2 += d * d;
            sum4 += d * d * d * d;
            maxAbs = MathF.Max(maxAbs, MathF.Abs(z));
        }

        Assert.That(nonFinite, Is.Zero, "non-finite samples");
        double mean = sum / n;
        double variance = (sum2 / n) - (mean * mean);
        double fourth = sum4 / n;
        Assert.That(mean, Is.EqualTo(0.0).Within(5e-3), "mean");
        Assert.That(variance, Is.EqualTo(1.0).Within(7e-3), "variance");
        Assert.That(fourth, Is.EqualTo(3.0).Within(5e-2), "fourth moment");

        // The smallest uniform is 2⁻²⁴, so |z| ≤ √(48 ln 2) ≈ 5.768.
        Assert.That(maxAbs, Is.LessThanOrEqualTo(5.7683f));
    }

    /// <summary>(c0, k0, z) from an independent C build of the generator and Box–Muller (counter (c0, 1, 2, 3),
    /// key (k0, 0x01234567)), which compared equal to this class over 2²⁴ counters.</summary>
    private static readonly (uint C0, uint K0, uint Z)[] DeviceGoldenNormal =
    [
        (0x8F217978u, 0x860B0F2Au, 0x3E849567u),
        (0x4F09BC2Du, 0x871ABA07u, 0xBF6BF51Du),
        (0xB551A6CCu, 0x661DC63Eu, 0x3F692841u),
        (0x9A7F8D63u, 0x6E7133FBu, 0xBE9C8979u),
        (0xDF97F5FDu, 0xCE07EA31u, 0xBFD5285Au),
        (0xE31B5068u, 0x9DA9BF21u, 0x3F73A6D1u),
    ];

    [Test]
    public void StandardNormal_MatchesKnownAnswersOfAnIndependentBuild()
    {
        foreach ((uint c0, uint k0, uint z) in DeviceGoldenNormal)
        {
            float result = Philox4x32.StandardNormal(c0, 1u, 2u, 3u, k0, 0x01234567u);
            Assert.That(BitConverter.SingleToUInt32Bits(result), Is.EqualTo(z), $"c0 = 0x{c0:X8}");
        }
    }
}

namespace IlgpuVae.Kernels.Math;

/// <summary>
/// The per-unit formulas of the latent layer (contracts in docs/kernels.md, "Sample latent", "Gaussian
/// KL per datapoint", "Latent backward", "Importance log-weights"), shared by the CPU and device kernels.
/// μ and lv = log σ² are one latent unit of a datapoint's encoder output.
/// </summary>
public static class LatentMath
{
    /// <summary>The reparameterization z = μ + σ·ε with σ = exp(½·lv), as fma(σ, ε, μ).</summary>
    public static float Reparameterize(float mu, float lv, float epsilon)
    {
        float h = 0.5f * lv;
        float s = DeterministicMath.Exp(h);
        return MathF.FusedMultiplyAdd(s, epsilon, mu);
    }

    /// <summary>
    /// One unit's term of the analytic KL (estimator B) before the factor −½: 1 + lv − μ² − exp(lv),
    /// as t = 1 + lv; t = fma(−μ, μ, t); t = t − exp(lv).
    /// </summary>
    public static float AnalyticKlTerm(float mu, float lv)
    {
        float t = 1f + lv;
        t = MathF.FusedMultiplyAdd(-mu, mu, t);
        return t - DeterministicMath.Exp(lv);
    }

    /// <summary>
    /// One unit's log q(z|x) − log p(z) for one sample (the Monte Carlo KL term of estimator A and the
    /// negated latent part of an importance log-weight): ½(z² − lv − ε²), as t = fma(z, z, −lv);
    /// t = fma(−ε, ε, t); t = ½·t. The log 2π terms of both densities cancel exactly and are never formed.
    /// </summary>
    public static float SampleKlTerm(float z, float epsilon, float lv)
    {
        float t = MathF.FusedMultiplyAdd(z, z, -lv);
        t = MathF.FusedMultiplyAdd(-epsilon, epsilon, t);
        return 0.5f * t;
    }

    /// <summary>
    /// One sample's share of the latent backward pass: d = fma(c, z, dz) (c = klScale / S for the Monte Carlo
    /// KL, 0 for the analytic one), then g = g + d and h = fma(d, ε, h), accumulated over the samples in order.
    /// </summary>
    public static void AccumulateSample(float c, float z, float dz, float epsilon, ref float g, ref float h)
    {
        float d = MathF.FusedMultiplyAdd(c, z, dz);
        g = g + d;
        h = MathF.FusedMultiplyAdd(d, epsilon, h);
    }

    /// <summary>
    /// The gradients at μ and lv from the accumulated g and h (<see cref="AccumulateSample"/>): the
    /// reparameterization's rec = h·½·exp(½·lv), plus klScale times the KL's own gradient — analytic:
    /// dμ = fma(klScale, μ, g), dlv = fma(klScale, ½(exp(lv) − 1), rec); Monte Carlo: dμ = g,
    /// dlv = fma(−½, klScale, rec).
    /// </summary>
    public static void Gradients(float mu, float lv, float g, float h, float klScale, KlEstimator estimator,
        out float dMu, out float dLogVariance)
    {
        float half = 0.5f * lv;
        float hs = 0.5f * DeterministicMath.Exp(half);
        float rec = h * hs;
        if (estimator == KlEstimator.Analytic)
        {
            dMu = MathF.FusedMultiplyAdd(klScale, mu, g);
            float t = DeterministicMath.Exp(lv) - 1f;
            t = 0.5f * t;
            dLogVariance = MathF.FusedMultiplyAdd(klScale, t, rec);
        }
        else
        {
            dMu = g;
            dLogVariance = MathF.FusedMultiplyAdd(-0.5f, klScale, rec);
        }
    }
}

namespace IlgpuVae.Kernels.Math;

/// <summary>
/// The per-pixel terms of the decoder log-likelihoods and their gradients (contracts in docs/kernels.md,
/// "Bernoulli log-likelihood and gradient" and "Gaussian log-likelihood and gradient"). Both the device
/// kernels and the CPU's scalar code call these; the CPU's vector code is lane-wise the same.
/// </summary>
public static class LikelihoodMath
{
    /// <summary>The float nearest to log(2π) (bits 0x3FEB3F8E).</summary>
    public const float Log2Pi = 1.83787706640934548356f;

    /// <summary>
    /// Bernoulli with logit l and target x: returns x·l − softplus(l) and writes
    /// gradScale·(sigmoid(l) − x), the gradient of −gradScale times the term.
    /// </summary>
    /// <remarks>
    /// softplus(l) = max(l, 0) + log1p(e^−|l|) never overflows; the maximum is a select, not fmax, so a NaN
    /// logit gives 0 there on every side. sigmoid reuses e = e^−|l|: 1/(1 + e) for l ≥ 0, e/(1 + e) below.
    /// |l| clears the sign bit directly (an exact bit operation; hardware abs may canonicalise a NaN).
    /// </remarks>
    public static float BernoulliTerm(float l, float x, float gradScale, out float grad)
    {
        float a = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(l) & 0x7fffffff);
        float e = DeterministicMath.Exp(-a);
        float d = 1f + e;
        float sp = (l > 0f ? l : 0f) + DeterministicMath.Log1p(e);
        float sig = l >= 0f ? 1f / d : e / d;
        grad = gradScale * (sig - x);
        return MathF.FusedMultiplyAdd(x, l, -sp);
    }

    /// <summary>
    /// Gaussian with mean pre-activation a (mean = sigmoid a), raw log-variance v floored at
    /// <paramref name="minLogVariance"/> and target x: returns −½(log 2π + log σ² + (x − mean)²/σ²) and
    /// writes gradScale times the gradients of the negated term with respect to a and v (0 for v where
    /// the floor is active).
    /// </summary>
    public static float GaussianTerm(float a, float v, float x, float gradScale, float minLogVariance,
        out float gradMean, out float gradLogVar)
    {
        float lv = v >= minLogVariance ? v : minLogVariance;
        float mean = DeterministicMath.Sigmoid(a);
        float diff = x - mean;
        float iv = DeterministicMath.Exp(-lv);
        float q = diff * diff;
        q = q * iv;
        float term = (Log2Pi + lv) + q;
        term = -0.5f * term;
        float gm = -diff * iv;
        float dsig = mean * (1f - mean);
        gradMean = gradScale * (gm * dsig);
        float dv = v >= minLogVariance ? 0.5f * (1f - q) : 0f;
        gradLogVar = gradScale * dv;
        return term;
    }
}

using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// The two kernels of the importance-sampling estimate of the marginal likelihood (contracts in
/// docs/kernels.md, "Importance log-weights" and "Log-mean-exp"): the per-sample log-weights
/// log p(x|z) + log p(z) − log q(z|x), and the stable log of the mean of their exponentials.
/// Both are small next to the decoder products that feed them (a few flops per sample against
/// hundreds of thousands), so the loops are plain and single-threaded, like the latent kernels.
/// </summary>
public static class CpuImportance
{
    /// <summary>
    /// w[r] = ll[r] − rowsum32(½·fma(−ε, ε, fma(z, z, −log σ²))) for every sample row r = i·samples + l:
    /// the decoder's log-likelihood plus log p(z) − log q(z|x) (the log 2π terms cancel exactly).
    /// </summary>
    public static void LogWeights(ReadOnlySpan<float> encoderOut, ReadOnlySpan<float> epsilon, ReadOnlySpan<float> z,
        ReadOnlySpan<float> ll, Span<float> logWeights, int rows, int latent, int samples)
    {
        Span<float> terms = latent <= 1024 ? stackalloc float[latent] : new float[latent];
        for (int i = 0; i < rows; i++)
        {
            var lv = encoderOut.Slice(i * 2 * latent + latent, latent);
            for (int l = 0; l < samples; l++)
            {
                int r = i * samples + l;
                for (int j = 0; j < latent; j++)
                {
                    terms[j] = LatentMath.SampleKlTerm(z[r * latent + j], epsilon[r * latent + j], lv[j]);
                }
                logWeights[r] = ll[r] - RowSum32.Sum(terms);
            }
        }
    }

    /// <summary>
    /// result[i] = log((1/count)·Σ_k exp(v[i·count + k])) in the contract's order: the 32-lane maximum m,
    /// the shift c = m (0 when m is infinite), the 32-lane sum s of exp(v − c), then (c + log s) − log count.
    /// </summary>
    public static void LogMeanExp(ReadOnlySpan<float> values, Span<float> result, int rows, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        float logCount = DeterministicMath.Log(count);
        var terms = new float[count];
        for (int i = 0; i < rows; i++)
        {
            var row = values.Slice(i * count, count);
            float m = RowMax32(row);
            // An infinite maximum cannot be subtracted (∞ − ∞ is NaN); shifting by 0 instead gives the
            // right limit: all −∞ → log 0 = −∞, any +∞ → +∞, and a NaN value still turns the sum to NaN.
            float c = m > float.NegativeInfinity && m < float.PositiveInfinity ? m : 0f;
            for (int k = 0; k < count; k++) terms[k] = DeterministicMath.Exp(row[k] - c);
            float s = RowSum32.Sum(terms);
            float t = DeterministicMath.Log(s);
            t = c + t;
            result[i] = t - logCount;
        }
    }

    /// <summary>
    /// The 32-lane maximum: p[t] = −∞, then p[t] = v > p[t] ? v : p[t] over k = t, t + 32, …; then the tree
    /// s = 16, 8, 4, 2, 1 with p[t] = p[t + s] > p[t] ? p[t + s] : p[t]. NaN values never win a comparison.
    /// </summary>
    public static float RowMax32(ReadOnlySpan<float> values)
    {
        Span<float> p = stackalloc float[32];
        p.Fill(float.NegativeInfinity);
        for (int k = 0; k < values.Length; k++)
        {
            int t = k & 31;
            p[t] = values[k] > p[t] ? values[k] : p[t];
        }
        for (int s = 16; s >= 1; s >>= 1)
            for (int t = 0; t < s; t++) p[t] = p[t + s] > p[t] ? p[t + s] : p[t];
        return p[0];
    }
}

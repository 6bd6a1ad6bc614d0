using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// The latent-layer kernels: reparameterized sampling, the KL term and the backward pass through both
/// (contracts in docs/kernels.md). The encoder output row holds μ in [0, L) and log σ² in [L, 2L).
/// These tensors are small (batch × 2·latent), so the loops are plain and single-threaded.
/// </summary>
public static class CpuLatent
{
    /// <summary>ε from Philox + Box–Muller at counter ((firstRow + r)·L + j, stream, position); z = μ + exp(½ log σ²)·ε.</summary>
    public static void Sample(ReadOnlySpan<float> encoderOut, Span<float> epsilon, Span<float> z,
        int rows, int latent, int samples, int firstRow, RandomKey key)
    {
        for (int i = 0; i < rows; i++)
        {
            var e = encoderOut.Slice(i * 2 * latent, 2 * latent);
            for (int l = 0; l < samples; l++)
            {
                int r = i * samples + l;
                for (int j = 0; j < latent; j++)
                {
                    uint element = (uint)((long)(firstRow + r) * latent + j);
                    float eps = Philox4x32.StandardNormal(element, key.Stream, key.C2, key.C3, key.K0, key.K1);
                    epsilon[r * latent + j] = eps;
                    z[r * latent + j] = LatentMath.Reparameterize(e[j], e[latent + j], eps);
                }
            }
        }
    }

    /// <summary>KL per datapoint, analytic (estimator B) or Monte Carlo (estimator A).</summary>
    public static void Kl(ReadOnlySpan<float> encoderOut, ReadOnlySpan<float> epsilon, ReadOnlySpan<float> z, Span<float> kl,
        int rows, int latent, int samples, KlEstimator estimator)
    {
        Span<float> terms = latent <= 1024 ? stackalloc float[latent] : new float[latent];
        for (int i = 0; i < rows; i++)
        {
            var e = encoderOut.Slice(i * 2 * latent, 2 * latent);
            if (estimator == KlEstimator.Analytic)
            {
                for (int j = 0; j < latent; j++)
                {
                    terms[j] = LatentMath.AnalyticKlTerm(e[j], e[latent + j]);
                }
                kl[i] = -0.5f * RowSum32.Sum(terms);
            }
            else
            {
                float acc = 0f;
                for (int l = 0; l < samples; l++)
                {
                    int r = i * samples + l;
                    for (int j = 0; j < latent; j++)
                    {
                        terms[j] = LatentMath.SampleKlTerm(z[r * latent + j], epsilon[r * latent + j], e[latent + j]);
                    }
                    acc = acc + RowSum32.Sum(terms);
                }
                kl[i] = acc / samples;
            }
        }
    }

    /// <summary>dE (μ and log σ² gradients) from dz through the reparameterization plus klScale × the KL gradient.</summary>
    public static void Backward(ReadOnlySpan<float> encoderOut, ReadOnlySpan<float> epsilon, ReadOnlySpan<float> z,
        ReadOnlySpan<float> dz, Span<float> dEncoderOut, int rows, int latent, int samples, float klScale, KlEstimator estimator)
    {
        float c = estimator == KlEstimator.MonteCarlo ? klScale / samples : 0f;
        for (int i = 0; i < rows; i++)
        {
            var e = encoderOut.Slice(i * 2 * latent, 2 * latent);
            var de = dEncoderOut.Slice(i * 2 * latent, 2 * latent);
            for (int j = 0; j < latent; j++)
            {
                float g = 0f, h = 0f;
                for (int l = 0; l < samples; l++)
                {
                    int idx = (i * samples + l) * latent + j;
                    LatentMath.AccumulateSample(c, z[idx], dz[idx], epsilon[idx], ref g, ref h);
                }
                LatentMath.Gradients(e[j], e[latent + j], g, h, klScale, estimator, out de[j], out de[latent + j]);
            }
        }
    }
}

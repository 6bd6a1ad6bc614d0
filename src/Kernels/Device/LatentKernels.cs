using ILGPU;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// The latent-layer kernels (docs/kernels.md: sample latent, Gaussian KL, latent backward). Encoder output
/// row i holds μ in columns [0, L) and log σ² in [L, 2L); the sample rows r = i·S + l of ε and z are L wide.
/// </summary>
public static class LatentKernels
{
    /// <summary>
    /// Reparameterized sampling, one thread per element (r, j) of z: ε = Philox normal at counter
    /// ((firstRow + r)·L + j, stream, position) — the element counter wraps modulo 2³² as on the CPU —
    /// and z = fma(exp(½·lv), ε, μ). Grid: ⌈rows·S·L / element threads⌉ groups (<see cref="DeviceGeometry.ElementThreads"/>).
    /// </summary>
    public static void Sample(ArrayView<float> e, ArrayView<float> epsilon, ArrayView<float> z,
        int rows, int latent, int samples, int firstRow, RandomKey key)
    {
        int index = Grid.GlobalIndex.X;
        if (index >= rows * samples * latent) return;
        int r = index / latent;
        int j = index - r * latent;
        int i = r / samples;
        uint element = (uint)(firstRow + r) * (uint)latent + (uint)j;
        float n = Philox4x32.StandardNormal(element, key.Stream, key.C2, key.C3, key.K0, key.K1);
        epsilon[index] = n;
        z[index] = LatentMath.Reparameterize(e[i * 2 * latent + j], e[i * 2 * latent + latent + j], n);
    }

    /// <summary>
    /// KL per datapoint, one row of 32 lanes per datapoint. Analytic: kl = −½·rowsum32(AnalyticKlTerm);
    /// Monte Carlo: acc = acc + rowsum32(SampleKlTerm) over the samples in order, kl = acc / S.
    /// Grid: ⌈rows / rows-per-group⌉ groups of 32 × rows-per-group (<see cref="DeviceGeometry.RowsPerGroup"/>).
    /// </summary>
    public static void Kl(ArrayView<float> e, ArrayView<float> epsilon, ArrayView<float> z, ArrayView<float> kl,
        int rows, int latent, int samples, KlEstimator estimator)
    {
        var p = RowReduce32.AllocatePartials();
        int lane = RowReduce32.Lane;
        int i = RowReduce32.Row;
        // Threads past the last datapoint still take part in the barriers, with no terms.
        bool valid = i < rows;

        // One pass (one row sum) for the analytic form, one per sample for Monte Carlo. The barriers of the
        // row sum sit in a loop with a uniform trip count and under no branch: some OpenCL compilers
        // (pocl 3.1) mishandle per-thread values around a barrier inside an if/else.
        bool analytic = estimator == KlEstimator.Analytic;
        int passes = analytic ? 1 : samples;
        float acc = 0f;
        float last = 0f;
        for (int l = 0; l < passes; l++)
        {
            float partial = 0f;
            if (valid)
            {
                int r = i * samples + l;
                for (int j = lane; j < latent; j += DeviceGeometry.RowLanes)
                {
                    float lv = e[i * 2 * latent + latent + j];
                    float t = analytic
                        ? LatentMath.AnalyticKlTerm(e[i * 2 * latent + j], lv)
                        : LatentMath.SampleKlTerm(z[r * latent + j], epsilon[r * latent + j], lv);
                    partial = partial + t;
                }
            }
            last = RowReduce32.Sum(p, lane, partial);
            acc = acc + last;
        }

        // Analytic: the single row sum itself (not 0 + sum, which would turn a −0 into +0).
        if (valid && lane == 0) kl[i] = analytic ? -0.5f * last : acc / samples;
    }

    /// <summary>
    /// Gradient at the encoder output, one thread per (datapoint i, unit j): c = klScale / S (Monte Carlo)
    /// or 0 (analytic); <see cref="LatentMath.AccumulateSample"/> over the samples in order, then
    /// <see cref="LatentMath.Gradients"/>. Grid: ⌈rows·L / element threads⌉ groups (<see cref="DeviceGeometry.ElementThreads"/>).
    /// </summary>
    public static void Backward(ArrayView<float> e, ArrayView<float> epsilon, ArrayView<float> z, ArrayView<float> dz,
        ArrayView<float> de, int rows, int latent, int samples, float klScale, KlEstimator estimator)
    {
        int index = Grid.GlobalIndex.X;
        if (index >= rows * latent) return;
        int i = index / latent;
        int j = index - i * latent;
        float c = estimator == KlEstimator.MonteCarlo ? klScale / samples : 0f;
        float g = 0f;
        float h = 0f;
        for (int l = 0; l < samples; l++)
        {
            int at = (i * samples + l) * latent + j;
            LatentMath.AccumulateSample(c, z[at], dz[at], epsilon[at], ref g, ref h);
        }
        int mu = i * 2 * latent + j;
        LatentMath.Gradients(e[mu], e[mu + latent], g, h, klScale, estimator, out float dMu, out float dLogVariance);
        de[mu] = dMu;
        de[mu + latent] = dLogVariance;
    }
}

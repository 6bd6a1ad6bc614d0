using System.Runtime.Intrinsics;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// The decoder likelihoods and their gradients, in one pass over each row (contracts in
/// docs/kernels.md). Decoder row r belongs to datapoint r / samples. Rows are spread over threads.
/// </summary>
public static unsafe class CpuLikelihood
{
    /// <summary>Bernoulli: ll[r] = Σ_j x·l − softplus(l); dLogits = gradScale·(sigmoid(l) − x).</summary>
    public static void Bernoulli(CpuWorkerPool pool, ReadOnlySpan<float> logits, ReadOnlySpan<float> x, Span<float> ll,
        Span<float> dLogits, int rows, int pixels, int samples, float gradScale)
    {
        fixed (float* pl = logits, px = x, pll = ll, pd = dLogits)
        {
            var job = new RowJob { Logits = pl, X = px, Ll = pll, Grad = pd, Pixels = pixels, Samples = samples, GradScale = gradScale, Gaussian = false };
            pool.Run(rows, ref job);
        }
    }

    /// <summary>Gaussian with sigmoid mean and a floored log-variance head (output row width 2·pixels).</summary>
    public static void Gaussian(CpuWorkerPool pool, ReadOnlySpan<float> output, ReadOnlySpan<float> x, Span<float> ll,
        Span<float> dOutput, int rows, int pixels, int samples, float gradScale, float minLogVariance)
    {
        fixed (float* po = output, px = x, pll = ll, pd = dOutput)
        {
            var job = new RowJob { Logits = po, X = px, Ll = pll, Grad = pd, Pixels = pixels, Samples = samples, GradScale = gradScale, Gaussian = true, MinLogVariance = minLogVariance };
            pool.Run(rows, ref job);
        }
    }

    /// <summary>16 Bernoulli terms at once, lane-wise identical to <see cref="LikelihoodMath.BernoulliTerm"/>; writes the 16 gradients.</summary>
    private static Vector512<float> BernoulliTerms(float* logits, float* xs, float* grad, float gradScale)
    {
        var l = Vector512.Load(logits);
        var x = Vector512.Load(xs);
        var a = Vector512.Abs(l);
        var e = DeterministicMathVector.Exp(-a);
        var d = Vector512<float>.One + e;
        var positive = Vector512.ConditionalSelect(Vector512.GreaterThan(l, Vector512<float>.Zero), l, Vector512<float>.Zero);
        var sp = positive + DeterministicMathVector.Log1p(e);
        var sig = Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(l, Vector512<float>.Zero), Vector512<float>.One / d, e / d);
        (Vector512.Create(gradScale) * (sig - x)).Store(grad);
        return Vector512.FusedMultiplyAdd(x, l, -sp);
    }

    private struct RowJob : IRangeJob
    {
        public float* Logits, X, Ll, Grad;
        public int Pixels, Samples;
        public float GradScale, MinLogVariance;
        public bool Gaussian;

        public readonly void Run(int start, int end)
        {
            // 32 partial sums kept as two 16-lane registers: term j goes to lane j mod 32.
            float* terms = stackalloc float[32];
            float* p = stackalloc float[32];
            for (int r = start; r < end; r++)
            {
                float* x = X + (long)(r / Samples) * Pixels;
                var lo = Vector512<float>.Zero;
                var hi = Vector512<float>.Zero;
                int j0 = 0;
                for (; j0 < Pixels; j0 += 32)
                {
                    int count = System.Math.Min(32, Pixels - j0);
                    if (count == 32 && !Gaussian)
                    {
                        long i = (long)r * Pixels + j0;
                        lo += BernoulliTerms(Logits + i, x + j0, Grad + i, GradScale);
                        hi += BernoulliTerms(Logits + i + 16, x + j0 + 16, Grad + i + 16, GradScale);
                    }
                    else if (count == 32)
                    {
                        for (int t = 0; t < 32; t++) terms[t] = Term(r, j0 + t, x[j0 + t]);
                        lo += Vector512.Load(terms);
                        hi += Vector512.Load(terms + 16);
                    }
                    else
                    {
                        for (int t = 0; t < count; t++) terms[t] = Term(r, j0 + t, x[j0 + t]);
                        // A partial final block adds only the lanes that have a term (lanes without one
                        // keep their partial unchanged, as the scalar scheme does).
                        lo.Store(p); hi.Store(p + 16);
                        for (int t = 0; t < count; t++) p[t] = p[t] + terms[t];
                        lo = Vector512.Load(p); hi = Vector512.Load(p + 16);
                    }
                }
                lo.Store(p); hi.Store(p + 16);
                for (int w = 16; w >= 1; w >>= 1)
                    for (int t = 0; t < w; t++) p[t] = p[t] + p[t + w];
                Ll[r] = p[0];
            }
        }

        private readonly float Term(int r, int j, float x)
        {
            if (!Gaussian)
            {
                long i = (long)r * Pixels + j;
                float term = LikelihoodMath.BernoulliTerm(Logits[i], x, GradScale, out float g);
                Grad[i] = g;
                return term;
            }
            long row = (long)r * 2 * Pixels;
            float t = LikelihoodMath.GaussianTerm(Logits[row + j], Logits[row + Pixels + j], x, GradScale, MinLogVariance, out float gm, out float gv);
            Grad[row + j] = gm;
            Grad[row + Pixels + j] = gv;
            return t;
        }
    }
}

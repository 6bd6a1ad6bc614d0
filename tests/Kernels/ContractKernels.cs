using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Tests.Kernels;

/// <summary>
/// A plain scalar C# transcription of docs/kernels.md: every kernel written line by line in the
/// contract's float operation order (one loop per output, <see cref="MathF.FusedMultiplyAdd"/> where
/// the contract writes fma, the engine's <see cref="DeterministicMath"/> for exp/log/tanh/…), with no
/// vectors, tiles, threads or transposes. Any implementation that keeps the contract produces exactly
/// these bits. Only the transcendental functions and the Philox block function are taken from the
/// engine (they have their own tests); everything else, the uniform map included, is written here.
/// </summary>
internal static class ContractKernels
{
    private static float Fma(float a, float b, float c) => MathF.FusedMultiplyAdd(a, b, c);

    /// <summary>The float nearest to log(2π) (LOG_2PI).</summary>
    public static readonly float Log2Pi = (float)1.8378770664093454835606594728112; // log(2π) rounded once to float

    private static float Act(Activation activation, float a) => activation switch
    {
        Activation.Tanh => DeterministicMath.Tanh(a),
        Activation.Sigmoid => DeterministicMath.Sigmoid(a),
        _ => a,
    };

    /// <summary>rowsum32: 32 strided partial sums from +0, then the pairwise tree s = 16, 8, 4, 2, 1.</summary>
    public static float RowSum32(ReadOnlySpan<float> v)
    {
        Span<float> p = stackalloc float[32];
        p.Clear();
        for (int j = 0; j < v.Length; j++) p[j % 32] = p[j % 32] + v[j];
        for (int s = 16; s >= 1; s /= 2)
            for (int t = 0; t < s; t++) p[t] = p[t] + p[t + s];
        return p[0];
    }

    /// <summary>Linear forward: acc = b[n]; acc = fma(x[m,k], w[k,n], acc) for k ascending; y = act(acc).</summary>
    public static float[] LinearForward(float[] x, float[] w, float[] b, int rows, int inputs, int outputs, Activation activation)
    {
        var y = new float[rows * outputs];
        for (int m = 0; m < rows; m++)
            for (int n = 0; n < outputs; n++)
            {
                float acc = b[n];
                for (int k = 0; k < inputs; k++) acc = Fma(x[m * inputs + k], w[k * outputs + n], acc);
                y[m * outputs + n] = Act(activation, acc);
            }
        return y;
    }

    /// <summary>Linear backward data: acc = fma chain over n from 0; tanh d = fma(−x, x, 1), sigmoid d = x·(1 − x); dx = acc·d.</summary>
    public static float[] LinearBackwardData(float[] dz, float[] w, float[] x, int rows, int inputs, int outputs, Activation activation)
    {
        var dx = new float[rows * inputs];
        for (int m = 0; m < rows; m++)
            for (int k = 0; k < inputs; k++)
            {
                float acc = 0f;
                for (int n = 0; n < outputs; n++) acc = Fma(dz[m * outputs + n], w[k * outputs + n], acc);
                float xv = x[m * inputs + k];
                dx[m * inputs + k] = activation switch
                {
                    Activation.Tanh => acc * Fma(-xv, xv, 1f),
                    Activation.Sigmoid => acc * (xv * (1f - xv)),
                    _ => acc,
                };
            }
        return dx;
    }

    /// <summary>Linear backward weights: dw = fma chain over m from 0; db = additions over m from 0.</summary>
    public static (float[] Dw, float[] Db) LinearBackwardWeights(float[] x, float[] dz, int rows, int inputs, int outputs)
    {
        var dw = new float[inputs * outputs];
        var db = new float[outputs];
        for (int k = 0; k < inputs; k++)
            for (int n = 0; n < outputs; n++)
            {
                float acc = 0f;
                for (int m = 0; m < rows; m++) acc = Fma(x[m * inputs + k], dz[m * outputs + n], acc);
                dw[k * outputs + n] = acc;
            }
        for (int n = 0; n < outputs; n++)
        {
            float acc = 0f;
            for (int m = 0; m < rows; m++) acc = acc + dz[m * outputs + n];
            db[n] = acc;
        }
        return (dw, db);
    }

    /// <summary>
    /// Linear backward weights over minibatch parts: for each part of <paramref name="parts"/> its own fma chain
    /// (dw) and additions (db) over the part's rows from 0. Returns each part's sums, in part order.
    /// </summary>
    public static (float[][] Dw, float[][] Db) LinearBackwardWeightsByPart(float[] x, float[] dz, int inputs, int outputs, BatchParts parts)
    {
        var dw = new float[parts.Length][];
        var db = new float[parts.Length][];
        for (int p = 0; p < parts.Length; p++)
        {
            int start = parts.RowStart(p), rows = parts.RowStart(p + 1) - start;
            (dw[p], db[p]) = LinearBackwardWeights(x.AsSpan(start * inputs, rows * inputs).ToArray(),
                dz.AsSpan(start * outputs, rows * outputs).ToArray(), rows, inputs, outputs);
        }
        return (dw, db);
    }

    /// <summary>The parts' sums added left to right: s = p₀; s = s + p₁; … (element by element).</summary>
    public static float[] FoldParts(float[][] parts)
    {
        var s = (float[])parts[0].Clone();
        for (int p = 1; p < parts.Length; p++)
            for (int i = 0; i < s.Length; i++) s[i] = s[i] + parts[p][i];
        return s;
    }

    /// <summary>The batch sum of each part: rowsum32 over the part's values.</summary>
    public static float[] SumByPart(float[] values, BatchParts parts)
    {
        var sums = new float[parts.Length];
        for (int p = 0; p < parts.Length; p++)
            sums[p] = RowSum32(values.AsSpan(parts.RowStart(p), parts.RowStart(p + 1) - parts.RowStart(p)));
        return sums;
    }

    /// <summary>The exact uniform of a Philox word: ((x >> 9) + ½)·2⁻²³ (the contract's definition).</summary>
    public static float Uniform(uint x) => ((float)(x >> 9) + 0.5f) * (1f / 8388608f);

    /// <summary>Box–Muller from one Philox call: t = log(u1); t = −2·t; r = √t; ε = r·cos2π(u2).</summary>
    public static float Normal(uint element, RandomKey key)
    {
        var (x0, x1, _, _) = Philox4x32.Generate(element, key.Stream, key.C2, key.C3, key.K0, key.K1);
        float u1 = Uniform(x0), u2 = Uniform(x1);
        float t = DeterministicMath.Log(u1);
        t = -2f * t;
        float r = MathF.Sqrt(t);
        DeterministicMath.SinCosTwoPi(u2, out _, out float c);
        return r * c;
    }

    /// <summary>Sample latent: ε from the counter ((firstRow + r)·L + j, stream, position); h = 0.5·lv; s = exp(h); z = fma(s, ε, μ).</summary>
    public static (float[] Epsilon, float[] Z) SampleLatent(float[] e, int rows, int latent, int samples, int firstRow, RandomKey key)
    {
        var eps = new float[rows * samples * latent];
        var z = new float[eps.Length];
        for (int i = 0; i < rows; i++)
            for (int l = 0; l < samples; l++)
                for (int j = 0; j < latent; j++)
                {
                    int r = i * samples + l;
                    float epsilon = Normal((uint)((firstRow + r) * latent + j), key);
                    float h = 0.5f * e[i * 2 * latent + latent + j];
                    float s = DeterministicMath.Exp(h);
                    eps[r * latent + j] = epsilon;
                    z[r * latent + j] = Fma(s, epsilon, e[i * 2 * latent + j]);
                }
        return (eps, z);
    }

    /// <summary>KL per datapoint, analytic (−0.5·rowsum32 of the terms) or Monte Carlo (mean over samples of rowsum32).</summary>
    public static float[] Kl(float[] e, float[] eps, float[] z, int rows, int latent, int samples, KlEstimator estimator)
    {
        var kl = new float[rows];
        var terms = new float[latent];
        for (int i = 0; i < rows; i++)
        {
            if (estimator == KlEstimator.Analytic)
            {
                for (int j = 0; j < latent; j++)
                {
                    float mu = e[i * 2 * latent + j], lv = e[i * 2 * latent + latent + j];
                    float t = 1f + lv;
                    t = Fma(-mu, mu, t);
                    t = t - DeterministicMath.Exp(lv);
                    terms[j] = t;
                }
                kl[i] = -0.5f * RowSum32(terms);
            }
            else
            {
                float acc = 0f;
                for (int l = 0; l < samples; l++)
                {
                    SampleKlTerms(e, eps, z, i, i * samples + l, latent, terms);
                    acc = acc + RowSum32(terms);
                }
                kl[i] = acc / samples;
            }
        }
        return kl;
    }

    /// <summary>The Monte Carlo KL terms of sample row r of datapoint i (also the importance weights'): t = fma(z, z, −lv); t = fma(−ε, ε, t); ½·t.</summary>
    private static void SampleKlTerms(float[] e, float[] eps, float[] z, int i, int r, int latent, float[] terms)
    {
        for (int j = 0; j < latent; j++)
        {
            float zz = z[r * latent + j], ee = eps[r * latent + j], lv = e[i * 2 * latent + latent + j];
            float t = Fma(zz, zz, -lv);
            t = Fma(-ee, ee, t);
            terms[j] = 0.5f * t;
        }
    }

    /// <summary>Latent backward, line by line.</summary>
    public static float[] LatentBackward(float[] e, float[] eps, float[] z, float[] dz, int rows, int latent, int samples,
        float klScale, KlEstimator estimator)
    {
        var de = new float[rows * 2 * latent];
        float c = estimator == KlEstimator.MonteCarlo ? klScale / samples : 0f;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < latent; j++)
            {
                float g = 0f, h = 0f;
                for (int l = 0; l < samples; l++)
                {
                    int idx = (i * samples + l) * latent + j;
                    float d = Fma(c, z[idx], dz[idx]);
                    g = g + d;
                    h = Fma(d, eps[idx], h);
                }
                float mu = e[i * 2 * latent + j], lv = e[i * 2 * latent + latent + j];
                float half = 0.5f * lv;
                float hs = 0.5f * DeterministicMath.Exp(half);
                float rec = h * hs;
                if (estimator == KlEstimator.Analytic)
                {
                    de[i * 2 * latent + j] = Fma(klScale, mu, g);
                    float t = DeterministicMath.Exp(lv) - 1f;
                    t = 0.5f * t;
                    de[i * 2 * latent + latent + j] = Fma(klScale, t, rec);
                }
                else
                {
                    de[i * 2 * latent + j] = g;
                    de[i * 2 * latent + latent + j] = Fma(-0.5f, klScale, rec);
                }
            }
        return de;
    }

    /// <summary>Bernoulli log-likelihood (rowsum32 of the terms) and gradient, line by line.</summary>
    public static (float[] Ll, float[] Grad) Bernoulli(float[] logits, float[] x, int sampleRows, int pixels, int samples, float gradScale)
    {
        var ll = new float[sampleRows];
        var grad = new float[sampleRows * pixels];
        var terms = new float[pixels];
        for (int r = 0; r < sampleRows; r++)
        {
            for (int j = 0; j < pixels; j++)
            {
                float l = logits[r * pixels + j], xv = x[r / samples * pixels + j];
                float a = MathF.Abs(l);
                float e = DeterministicMath.Exp(-a);
                float d = 1f + e;
                float sp = MathF.Max(l, 0f) + DeterministicMath.Log1p(e);
                terms[j] = Fma(xv, l, -sp);
                float sig = l >= 0f ? 1f / d : e / d;
                grad[r * pixels + j] = gradScale * (sig - xv);
            }
            ll[r] = RowSum32(terms);
        }
        return (ll, grad);
    }

    /// <summary>Gaussian log-likelihood (rowsum32 of the terms) and gradients, line by line.</summary>
    public static (float[] Ll, float[] Grad) Gaussian(float[] output, float[] x, int sampleRows, int pixels, int samples,
        float gradScale, float minLogVariance)
    {
        var ll = new float[sampleRows];
        var grad = new float[sampleRows * 2 * pixels];
        var terms = new float[pixels];
        for (int r = 0; r < sampleRows; r++)
        {
            for (int j = 0; j < pixels; j++)
            {
                float a = output[r * 2 * pixels + j], v = output[r * 2 * pixels + pixels + j], xv = x[r / samples * pixels + j];
                float lv = MathF.Max(v, minLogVariance);
                float mean = DeterministicMath.Sigmoid(a);
                float diff = xv - mean;
                float iv = DeterministicMath.Exp(-lv);
                float q = diff * diff;
                q = q * iv;
                float term = (Log2Pi + lv) + q;
                terms[j] = -0.5f * term;
                float gm = -diff * iv;
                float dsig = mean * (1f - mean);
                float da = gm * dsig;
                grad[r * 2 * pixels + j] = gradScale * da;
                float dv = v >= minLogVariance ? 0.5f * (1f - q) : 0f;
                grad[r * 2 * pixels + pixels + j] = gradScale * dv;
            }
            ll[r] = RowSum32(terms);
        }
        return (ll, grad);
    }

    /// <summary>ELBO rows: acc over samples from 0, then acc / S − kl.</summary>
    public static float[] ElboRows(float[] ll, float[] kl, int rows, int samples)
    {
        var elbo = new float[rows];
        for (int i = 0; i < rows; i++)
        {
            float acc = 0f;
            for (int l = 0; l < samples; l++) acc = acc + ll[i * samples + l];
            elbo[i] = acc / samples - kl[i];
        }
        return elbo;
    }

    /// <summary>Importance log-weights: per sample row r = i·S + l, k = rowsum32 of the Monte Carlo KL terms, w = ll − k.</summary>
    public static float[] ImportanceLogWeights(float[] e, float[] eps, float[] z, float[] ll, int rows, int latent, int samples)
    {
        var w = new float[rows * samples];
        var terms = new float[latent];
        for (int i = 0; i < rows; i++)
        {
            for (int l = 0; l < samples; l++)
            {
                int r = i * samples + l;
                SampleKlTerms(e, eps, z, i, r, latent, terms);
                w[r] = ll[r] - RowSum32(terms);
            }
        }
        return w;
    }

    /// <summary>
    /// Log-mean-exp of each row: the 32-lane maximum with selects, the shift (0 for an infinite maximum),
    /// rowsum32 of exp(v − c), then (c + log s) − log(count).
    /// </summary>
    public static float[] LogMeanExp(float[] values, int rows, int count)
    {
        var result = new float[rows];
        var p = new float[32];
        var terms = new float[count];
        for (int i = 0; i < rows; i++)
        {
            var v = values.AsSpan(i * count, count);
            Array.Fill(p, float.NegativeInfinity);
            for (int k = 0; k < count; k++) p[k % 32] = v[k] > p[k % 32] ? v[k] : p[k % 32];
            for (int s = 16; s >= 1; s /= 2)
                for (int t = 0; t < s; t++) p[t] = p[t + s] > p[t] ? p[t + s] : p[t];
            float m = p[0];
            float c = m > float.NegativeInfinity && m < float.PositiveInfinity ? m : 0f;
            for (int k = 0; k < count; k++) terms[k] = DeterministicMath.Exp(v[k] - c);
            float sum = RowSum32(terms);
            float t2 = DeterministicMath.Log(sum);
            t2 = c + t2;
            result[i] = t2 - DeterministicMath.Log(count);
        }
        return result;
    }

    /// <summary>One optimizer update of every element, in place, line by line.</summary>
    public static void OptimizerUpdate(float[] theta, float[] grad, float[] s0, float[] s1, in OptimizerScalars s)
    {
        for (int i = 0; i < theta.Length; i++)
        {
            float g = Fma(s.WeightDecay, theta[i], grad[i]);
            switch (s.Kind)
            {
                case OptimizerKind.Adagrad:
                {
                    float h = Fma(g, g, s0[i]);
                    float den = MathF.Sqrt(h) + s.Epsilon;
                    float u = s.LearningRate * g;
                    u = u / den;
                    s0[i] = h;
                    theta[i] = theta[i] - u;
                    break;
                }
                case OptimizerKind.RmsProp:
                {
                    float a = s.OneMinusBeta1 * g;
                    a = a * g;
                    float h = Fma(s.Beta1, s0[i], a);
                    float den = MathF.Sqrt(h) + s.Epsilon;
                    float u = s.LearningRate * g;
                    u = u / den;
                    s0[i] = h;
                    theta[i] = theta[i] - u;
                    break;
                }
                case OptimizerKind.Adam:
                {
                    float m = Fma(s.Beta1, s0[i], s.OneMinusBeta1 * g);
                    float a = s.OneMinusBeta2 * g;
                    a = a * g;
                    float v = Fma(s.Beta2, s1[i], a);
                    float vh = v * s.SecondMomentScale;
                    float den = MathF.Sqrt(vh) + s.Epsilon;
                    float u = s.StepSize * m;
                    u = u / den;
                    s0[i] = m;
                    s1[i] = v;
                    theta[i] = theta[i] - u;
                    break;
                }
                default:
                {
                    float v = Fma(s.Beta1, s0[i], g);
                    float u = s.LearningRate * v;
                    s0[i] = v;
                    theta[i] = theta[i] - u;
                    break;
                }
            }
        }
    }

    /// <summary>Minibatch gather: b/255, b ≥ 128, or uniform(Philox(e >> 2)[e &amp; 3]) &lt; b/255 with e = r·P + p.</summary>
    public static float[] Gather(byte[] data, int[] indices, int first, int rows, int pixels, Binarization binarization, RandomKey key)
    {
        var x = new float[rows * pixels];
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < pixels; p++)
            {
                byte b = data[indices[first + r] * pixels + p];
                float value;
                if (binarization == Binarization.Threshold) value = b >= 128 ? 1f : 0f;
                else if (binarization == Binarization.None) value = (float)b / 255f;
                else
                {
                    uint e = (uint)(r * pixels + p);
                    var (w0, w1, w2, w3) = Philox4x32.Generate(e >> 2, key.Stream, key.C2, key.C3, key.K0, key.K1);
                    uint w = (e & 3) switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
                    value = Uniform(w) < (float)b / 255f ? 1f : 0f;
                }
                x[r * pixels + p] = value;
            }
        return x;
    }
}

using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Cpu;
using IlgpuVae.Kernels.Math;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Kernels;

/// <summary>
/// Every CPU kernel, called through <see cref="IKernels"/> of a <see cref="CpuAccelerator"/>, against the
/// double-precision formulas of <see cref="ReferenceKernels"/>. Each tolerance is a rounding-error bound
/// derived from the kernel's operation sequence (docs/kernels.md), written next to the check; u = 2⁻²⁴.
/// A formula error (a wrong sign, a missing term, a wrong index) gives errors of order 1 relative,
/// far above these bounds of order 10⁻⁷…10⁻⁵.
/// </summary>
/// <remarks>
/// Shapes are chosen to reach every code path of the CPU kernels: the GEMM's 4×32 and 4×16 register
/// tiles, its 1×16 row tail and scalar column tail (output widths 1, 15, 16, 17, 31, 32, 33, 40, 100),
/// row counts that are not multiples of 4 or 16 (so row tails and the 16-row work items split unevenly
/// across the 3 threads), a single row, K = 1, and row sums shorter than, equal to and longer than the
/// 32 lanes (with partial last blocks). Buffers are passed as views at non-zero offsets into larger
/// buffers, as the model does with its parameter vector, and the elements around each output are
/// checked to be untouched.
/// </remarks>
[TestFixture]
public sealed class CpuKernelTests
{
    private const float Sentinel = 12345.5f;
    private static readonly int[] Widths = [1, 15, 16, 17, 31, 32, 33, 40, 100];
    private static readonly int[] RowCounts = [1, 3, 4, 5, 16, 17, 33];
    private static readonly int[] RowSumLengths = [1, 3, 31, 32, 33, 64, 100, 784];

    private CpuAccelerator _cpu = null!;

    private IKernels K => _cpu.Kernels;

    [OneTimeSetUp]
    public void StartAccelerator() => _cpu = new CpuAccelerator(3);

    [OneTimeTearDown]
    public void StopAccelerator() => _cpu.Dispose();

    /// <summary>A buffer holding <paramref name="data"/> after <paramref name="pad"/> sentinel values, and as many after it.</summary>
    private DeviceBuffer<float> Padded(float[] data, int pad)
    {
        var all = new float[data.Length + 2 * pad];
        all.AsSpan().Fill(Sentinel);
        data.CopyTo(all, pad);
        return _cpu.Upload<float>(all);
    }

    /// <summary>An output buffer of <paramref name="length"/> sentinels between <paramref name="pad"/> sentinels on each side.</summary>
    private DeviceBuffer<float> Output(int length, int pad) => Padded(Filled(length, Sentinel), pad);

    private static float[] Filled(int length, float value)
    {
        var a = new float[length];
        a.AsSpan().Fill(value);
        return a;
    }

    /// <summary>The view of the data part of a <see cref="Padded"/> buffer.</summary>
    private static BufferView<float> Inner(DeviceBuffer<float> buffer, int pad) => buffer.View(pad, buffer.Length - 2 * pad);

    /// <summary>Downloads the data part of a padded buffer and checks that the padding is untouched.</summary>
    private static float[] Read(DeviceBuffer<float> buffer, int pad, string what)
    {
        var all = buffer.ToArray();
        for (int i = 0; i < pad; i++)
        {
            Assert.That(all[i], Is.EqualTo(Sentinel), $"{what}: written before its view (element {i - pad})");
            Assert.That(all[all.Length - 1 - i], Is.EqualTo(Sentinel), $"{what}: written after its view");
        }
        return all[pad..^pad];
    }


    // ------------------------------------------------------------------------------------------
    // Linear layers
    // ------------------------------------------------------------------------------------------

    /// <summary>
    /// y = act(b + x·w) for every output width × row count × K. Bound: the FMA chain over k rounds K times,
    /// |Δacc| ≤ γ_K·(|b| + Σ|x·w|); tanh is 1-Lipschitz and the sigmoid ¼-Lipschitz, and their own error
    /// (≤ 1.44 and 1.66 ULP, DeterministicMath) adds ≤ 4u·|y|.
    /// </summary>
    [Test, Combinatorial]
    public void LinearForwardMatchesReference([ValueSource(nameof(Widths))] int outputs, [Values] Activation activation)
    {
        foreach (int rows in RowCounts)
            foreach (int inputs in new[] { 1, 2, 13 })
            {
                int seed = rows * 1000 + inputs * 10 + outputs;
                var x = Uniform(seed, rows * inputs, -1, 1);
                var w = Uniform(seed + 1, inputs * outputs, -1.5, 1.5);
                var b = Uniform(seed + 2, outputs, -1, 1);
                LinearForwardCase(x, w, b, rows, inputs, outputs, activation, $"{rows}x{inputs}x{outputs} {activation}");
            }
    }

    /// <summary>Zero inputs give act(b) exactly; pre-activations up to ±100 saturate tanh and the sigmoid to finite values.</summary>
    [TestCase(Activation.Identity)]
    [TestCase(Activation.Tanh)]
    [TestCase(Activation.Sigmoid)]
    public void LinearForwardEdgeValues(Activation activation)
    {
        const int rows = 17, inputs = 1, outputs = 33;
        float[] pre = [-100f, -90f, -20f, -9.1f, -1f, -0.55f, -1e-3f, 0f, 1e-3f, 0.5f, 0.55f, 9f, 9.1f, 20f, 88f, 90f, 100f];
        var w = new float[outputs];
        for (int n = 0; n < outputs; n++) w[n] = n % 3 == 0 ? 1f : n % 3 == 1 ? -1f : 0.5f;
        LinearForwardCase(pre, w, new float[outputs], rows, inputs, outputs, activation, $"edges {activation}");

        // All zeros: y = act(0) exactly.
        var y = LinearForwardCase(new float[5 * 16], new float[16 * 17], new float[17], 5, 16, 17, activation, $"zeros {activation}");
        float zero = activation == Activation.Sigmoid ? 0.5f : 0f;
        Assert.That(y, Is.All.EqualTo(zero));
    }

    private float[] LinearForwardCase(float[] x, float[] w, float[] b, int rows, int inputs, int outputs, Activation activation, string what)
    {
        // W and b sit side by side in one "parameter vector" at an odd offset, as in the model.
        const int pad = 3;
        var parameters = new float[w.Length + b.Length];
        w.CopyTo(parameters, 0);
        b.CopyTo(parameters, w.Length);
        using var pb = Padded(parameters, pad);
        using var xb = Padded(x, 1);
        using var yb = Output(rows * outputs, 2);
        K.LinearForward(Inner(xb, 1), pb.View(pad, w.Length), pb.View(pad + w.Length, outputs), Inner(yb, 2), rows, inputs, outputs, activation);
        var y = Read(yb, 2, what);
        var (expected, _, magnitude) = ReferenceKernels.LinearForward(x, w, b, rows, inputs, outputs, activation);
        double lipschitz = activation == Activation.Sigmoid ? 0.25 : 1.0;
        double ownError = activation == Activation.Identity ? 0 : 4 * U;
        Close(y, expected, i => lipschitz * Gamma(inputs) * magnitude[i] + ownError * Math.Abs(expected[i]) + SubnormalFloor, what);
        AllFinite(y, what);
        return y;
    }

    /// <summary>
    /// dx = act′(x)·(dz·wᵀ) for every dx width (the GEMM's column dimension) × row count × N.
    /// Bound: the FMA chain over n rounds N times, |Δacc| ≤ γ_N·Σ|dz·w|; act′ from x costs ≤ 2 roundings
    /// (fma(−x, x, 1), or 1 − x and x·(1 − x)), and the final product one: |Δdx| ≤ |act′|·(γ_N·Σ|dz·w| + 4u·|acc|).
    /// </summary>
    [Test, Combinatorial]
    public void LinearBackwardDataMatchesReference([ValueSource(nameof(Widths))] int inputs, [Values] Activation activation)
    {
        foreach (int rows in RowCounts)
            foreach (int outputs in new[] { 1, 2, 13 })
            {
                int seed = rows * 1000 + inputs * 10 + outputs;
                var dz = Uniform(seed, rows * outputs, -1, 1);
                var w = Uniform(seed + 1, inputs * outputs, -1, 1);
                var x = activation switch
                {
                    Activation.Tanh => Uniform(seed + 2, rows * inputs, -1, 1),
                    Activation.Sigmoid => Uniform(seed + 2, rows * inputs, 0, 1),
                    _ => Uniform(seed + 2, rows * inputs, -3, 3),
                };
                // The saturated ends of the activations, where the derivative is exactly 0.
                if (activation == Activation.Tanh) { x[0] = 1f; x[^1] = -1f; }
                if (activation == Activation.Sigmoid) { x[0] = 1f; x[^1] = 0f; }
                string what = $"{rows}x{inputs}x{outputs} {activation}";
                using var dzb = Padded(dz, 1);
                using var wb = Padded(w, 2);
                using var xb = Padded(x, 3);
                using var dxb = Output(rows * inputs, 4);
                K.LinearBackwardData(Inner(dzb, 1), Inner(wb, 2), Inner(xb, 3), Inner(dxb, 4), rows, inputs, outputs, activation);
                var dx = Read(dxb, 4, what);
                var (expected, sum, magnitude, derivative) = ReferenceKernels.LinearBackwardData(dz, w, x, rows, inputs, outputs, activation);
                Close(dx, expected, i => Math.Abs(derivative[i]) * (Gamma(outputs) * magnitude[i] + 4 * U * Math.Abs(sum[i])) + SubnormalFloor, what);
            }
    }

    /// <summary>
    /// dw = xᵀ·dz and db = Σ_m dz for every output width × row count (the summed dimension) × K, into buffers
    /// holding garbage (the kernel overwrites them). Bound: chains of `rows` FMAs / additions, γ_rows·Σ|terms|.
    /// </summary>
    [TestCaseSource(nameof(Widths))]
    public void LinearBackwardWeightsMatchesReference(int outputs)
    {
        foreach (int rows in RowCounts)
            foreach (int inputs in new[] { 1, 5, 17 })
            {
                int seed = rows * 1000 + inputs * 10 + outputs;
                var x = Uniform(seed, rows * inputs, -1, 1);
                var dz = Uniform(seed + 1, rows * outputs, -1, 1);
                string what = $"{rows}x{inputs}x{outputs}";
                using var xb = Padded(x, 1);
                using var dzb = Padded(dz, 2);
                // dw and db adjacent in one gradient vector, pre-filled with garbage.
                using var gb = Padded(Uniform(seed + 2, inputs * outputs + outputs, -9, 9), 3);
                K.LinearBackwardWeights(Inner(xb, 1), Inner(dzb, 2), gb.View(3, inputs * outputs), gb.View(3 + inputs * outputs, outputs), rows, inputs, outputs);
                var g = Read(gb, 3, what);
                var (dw, dwMag, db, dbMag) = ReferenceKernels.LinearBackwardWeights(x, dz, rows, inputs, outputs);
                Close(g.AsSpan(0, inputs * outputs), dw, i => Gamma(rows) * dwMag[i] + SubnormalFloor, what + " dw");
                Close(g.AsSpan(inputs * outputs), db, i => Gamma(rows) * dbMag[i] + SubnormalFloor, what + " db");
            }
    }

    // ------------------------------------------------------------------------------------------
    // Latent layer
    // ------------------------------------------------------------------------------------------

    /// <summary>An encoder output (rows × 2L): μ in [−2, 2), log σ² in [−3, 3); row 0 has μ = 0 and log σ² = ±30 (alternating).</summary>
    private static float[] EncoderOut(int seed, int rows, int latent)
    {
        var mu = Uniform(seed, rows * latent, -2, 2);
        var lv = Uniform(seed + 1, rows * latent, -3, 3);
        var e = new float[rows * 2 * latent];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < latent; j++)
            {
                e[i * 2 * latent + j] = i == 0 ? 0f : mu[i * latent + j];
                e[i * 2 * latent + latent + j] = i == 0 ? (j % 2 == 0 ? 30f : -30f) : lv[i * latent + j];
            }
        return e;
    }

    private static readonly RandomKey NoiseKey = new(0x0123_4567_89AB_CDEFul, RandomStream.TrainNoise, (1ul << 33) + 42);

    /// <summary>Runs SampleLatent; returns ε and z.</summary>
    private (float[] Epsilon, float[] Z) Sample(float[] e, int rows, int latent, int samples, int firstRow, RandomKey key)
    {
        using var eb = Padded(e, 1);
        using var epsb = Output(rows * samples * latent, 2);
        using var zb = Output(rows * samples * latent, 3);
        K.SampleLatent(Inner(eb, 1), Inner(epsb, 2), Inner(zb, 3), rows, latent, samples, firstRow, key);
        return (Read(epsb, 2, "epsilon"), Read(zb, 3, "z"));
    }

    /// <summary>
    /// ε is the Box–Muller normal of the Philox counter ((firstRow + r)·L + j, stream, position): bound 8u·|ε|
    /// (log ≤ 0.82 ULP, halved by the root, + 0.5 ULP root, cos ≤ 0.97 ULP, + 0.5 ULP product ≈ 2.4 ULP ≤ 4.8u,
    /// with margin). z = μ + exp(½ log σ²)·ε given that ε: exp ≤ 0.87 ULP (≤ 1.74u) and one FMA rounding, so
    /// |Δz| ≤ 3u·(|μ| + σ|ε|); checked with 4u. Log-variances ±30 give finite z.
    /// </summary>
    [Test, Combinatorial]
    public void SampleLatentMatchesReference([Values(1, 3, 20, 33)] int latent, [Values(1, 2, 3)] int samples, [Values(0, 1000)] int firstRow)
    {
        const int rows = 5;
        var e = EncoderOut(latent * 10 + samples, rows, latent);
        var (eps, z) = Sample(e, rows, latent, samples, firstRow, NoiseKey);
        var expectedEps = new double[eps.Length];
        for (int r = 0; r < rows * samples; r++)
            for (int j = 0; j < latent; j++)
                expectedEps[r * latent + j] = ReferenceKernels.StandardNormal((uint)((firstRow + r) * latent + j), NoiseKey);
        Close(eps, expectedEps, i => 8 * U * Math.Abs(expectedEps[i]) + SubnormalFloor, "epsilon");
        var (expectedZ, magnitude) = ReferenceKernels.SampleZ(e, eps, rows, latent, samples);
        Close(z, expectedZ, i => 4 * U * magnitude[i] + SubnormalFloor, "z");
        AllFinite(z, "z");
    }

    /// <summary>The ε of many counters are standard normal: mean ≈ 0 and variance ≈ 1 within 5 standard errors.</summary>
    [Test]
    public void SampleLatentNoiseIsStandardNormal()
    {
        const int rows = 400, latent = 25;
        var (eps, _) = Sample(new float[rows * 2 * latent], rows, latent, 1, 0, NoiseKey);
        double n = eps.Length, mean = eps.Average(v => (double)v), variance = eps.Sum(v => ((double)v - mean) * ((double)v - mean)) / (n - 1);
        Assert.That(mean, Is.EqualTo(0).Within(5 / Math.Sqrt(n)));
        Assert.That(variance, Is.EqualTo(1).Within(5 * Math.Sqrt(2 / n)));
    }

    /// <summary>
    /// Analytic KL. Each term 1 + lv − μ² − e^lv costs ≤ 5u·(1 + |lv| + μ² + e^lv) (three roundings and exp's
    /// ≤ 1.74u); the 32-lane row sum adds ⌈L/32⌉ + 5 roundings: |ΔKL| ≤ (⌈L/32⌉ + 10)·u·½Σ(1 + |lv| + μ² + e^lv).
    /// Row 0 has log σ² = ±30: the KL is large but finite.
    /// </summary>
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(20)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(33)]
    [TestCase(100)]
    public void AnalyticKlMatchesReference(int latent)
    {
        const int rows = 6;
        var e = EncoderOut(latent, rows, latent);
        // Row 1: μ = 0, log σ² = 0, where the KL is exactly 0.
        for (int j = 0; j < 2 * latent; j++) e[2 * latent + j] = 0f;
        using var eb = Padded(e, 1);
        using var dummy = _cpu.Allocate<float>(rows * latent);
        using var klb = Output(rows, 2);
        K.GaussianKl(Inner(eb, 1), dummy, dummy, Inner(klb, 2), rows, latent, 1, KlEstimator.Analytic);
        var kl = Read(klb, 2, "kl");
        var (expected, magnitude) = ReferenceKernels.KlAnalytic(e, rows, latent);
        Close(kl, expected, i => ((latent + 31) / 32 + 10) * U * magnitude[i], "kl");
        Assert.That(kl[1], Is.EqualTo(0f), "KL of N(0, 1)");
        AllFinite(kl, "kl");
    }

    /// <summary>
    /// Monte Carlo KL, the mean over samples of Σ_j ½(z² − lv − ε²) at the z and ε of SampleLatent. Each term
    /// costs ≤ 2u·½(z² + |lv| + ε²) (two FMAs), the row sum ⌈L/32⌉ + 5 roundings, the sum over samples S and
    /// the division (and klScale/S) 2 more: bound (⌈L/32⌉ + S + 9)·u·magnitude.
    /// </summary>
    [Test, Combinatorial]
    public void MonteCarloKlMatchesReference([Values(1, 3, 32, 33)] int latent, [Values(1, 2, 3)] int samples)
    {
        const int rows = 5;
        var e = EncoderOut(latent + samples, rows, latent);
        var (eps, z) = Sample(e, rows, latent, samples, 7, NoiseKey);
        using var eb = Padded(e, 1);
        using var epsb = Padded(eps, 2);
        using var zb = Padded(z, 3);
        using var klb = Output(rows, 4);
        K.GaussianKl(Inner(eb, 1), Inner(epsb, 2), Inner(zb, 3), Inner(klb, 4), rows, latent, samples, KlEstimator.MonteCarlo);
        var kl = Read(klb, 4, "kl");
        var (expected, magnitude) = ReferenceKernels.KlMonteCarlo(e, eps, z, rows, latent, samples);
        Close(kl, expected, i => ((latent + 31) / 32 + samples + 9) * U * magnitude[i], "kl");
        AllFinite(kl, "kl");
    }

    /// <summary>
    /// Gradient at (μ, log σ²). The longest rounding chain is the S-step sums over samples plus ≤ 6 roundings
    /// (the FMA with c·z, exp ≤ 1.74u, the products and the final FMA): bound (S + 8)·u·magnitude, the
    /// magnitude being the gradient formula with absolute values.
    /// </summary>
    [Test, Combinatorial]
    public void LatentBackwardMatchesReference([Values(1, 3, 20, 33)] int latent, [Values(1, 2, 3)] int samples, [Values] KlEstimator estimator)
    {
        const int rows = 5;
        var e = EncoderOut(latent * 7 + samples, rows, latent);
        var (eps, z) = Sample(e, rows, latent, samples, 0, NoiseKey);
        var dz = Uniform(latent + samples, eps.Length, -0.5, 0.5);
        float klScale = 1f / rows;
        using var eb = Padded(e, 1);
        using var epsb = Padded(eps, 2);
        using var zb = Padded(z, 3);
        using var dzb = Padded(dz, 4);
        using var deb = Output(e.Length, 5);
        K.LatentBackward(Inner(eb, 1), Inner(epsb, 2), Inner(zb, 3), Inner(dzb, 4), Inner(deb, 5), rows, latent, samples, klScale, estimator);
        var de = Read(deb, 5, "dE");
        var (expected, magnitude) = ReferenceKernels.LatentBackward(e, eps, z, dz, rows, latent, samples, klScale, estimator);
        Close(de, expected, i => (samples + 8) * U * magnitude[i] + SubnormalFloor, $"dE {estimator}");
        AllFinite(de, "dE");
    }

    // ------------------------------------------------------------------------------------------
    // Likelihoods
    // ------------------------------------------------------------------------------------------

    /// <summary>Grey-level inputs in [0, 1) with exact 0s and 1s mixed in.</summary>
    private static float[] Inputs(int seed, int count)
    {
        var x = Uniform(seed, count, 0, 1);
        for (int i = 0; i < count; i += 5) x[i] = (i / 5) % 2 == 0 ? 0f : 1f;
        return x;
    }

    /// <summary>
    /// Bernoulli log-likelihood and gradient. Per term x·l − softplus(l): exp and log1p ≤ 1.74u each (the
    /// error of e^−|l| passes through log1p with factor ≤ 1), the two additions and the FMA one u each: ≤ 6u·(|x·l| + sp);
    /// the row sum adds ⌈P/32⌉ + 5 roundings: bound (⌈P/32⌉ + 11)·u·Σ(|x·l| + sp). Gradient: σ(l) via 1/d or
    /// e/d costs ≤ 6u·σ, then σ − x and the scale one u each: bound 8u·gradScale·(σ + |x|), plus a subnormal
    /// floor (e^−|l| is subnormal for |l| ≳ 87).
    /// </summary>
    [Test, Combinatorial]
    public void BernoulliMatchesReference([ValueSource(nameof(RowSumLengths))] int pixels, [Values(1, 2)] int samples)
    {
        const int rows = 3;
        var logits = Uniform(pixels + samples, rows * samples * pixels, -6, 6);
        var x = Inputs(pixels, rows * pixels);
        BernoulliCase(logits, x, rows, pixels, samples, $"P={pixels} S={samples}");
    }

    /// <summary>Logits up to ±100 with x exactly 0 and 1: finite log-likelihoods and gradients, matching the reference.</summary>
    [Test]
    public void BernoulliEdgeValues()
    {
        float[] l = [-100f, -90f, -88f, -30f, -1f, 0f, 1f, 30f, 88f, 90f, 100f];
        const int pixels = 2 * 11;
        var logits = new float[2 * pixels];
        var x = new float[pixels];
        for (int j = 0; j < pixels; j++) { logits[j] = l[j % 11]; logits[pixels + j] = l[j % 11]; x[j] = j < 11 ? 0f : 1f; }
        var (ll, grad) = BernoulliCase(logits, x, 1, pixels, 2, "edges");
        AllFinite(ll, "ll");
        AllFinite(grad, "dLogits");
    }

    private (float[] Ll, float[] Grad) BernoulliCase(float[] logits, float[] x, int rows, int pixels, int samples, string what)
    {
        int sampleRows = rows * samples;
        float gradScale = 1f / sampleRows;
        using var lb = Padded(logits, 1);
        using var xb = Padded(x, 2);
        using var llb = Output(sampleRows, 3);
        using var gb = Output(logits.Length, 4);
        K.BernoulliLogLikelihood(Inner(lb, 1), Inner(xb, 2), Inner(llb, 3), Inner(gb, 4), rows, pixels, samples, gradScale);
        var ll = Read(llb, 3, what + " ll");
        var grad = Read(gb, 4, what + " dLogits");
        var (expectedLl, magnitude, expectedGrad) = ReferenceKernels.Bernoulli(logits, x, sampleRows, pixels, samples, gradScale);
        Close(ll, expectedLl, i => ((pixels + 31) / 32 + 11) * U * magnitude[i], what + " ll");
        Close(grad, expectedGrad, i =>
        {
            double sig = ReferenceKernels.Sigmoid(logits[i]), xv = x[i / pixels / samples * pixels + i % pixels];
            return 8 * U * gradScale * (sig + Math.Abs(xv)) + SubnormalFloor;
        }, what + " dLogits");
        return (ll, grad);
    }

    /// <summary>
    /// Gaussian log-likelihood and gradients. The bounds follow the operation sequence element by element:
    /// mean = σ(a) ≤ 3.4u·mean (+ 2⁻¹⁴⁹ where it is subnormal); diff = x − mean adds u·|diff| to that; iv = e^−lv ≤ 1.74u·iv; q = diff²·iv
    /// carries 2|diff|·Δdiff·iv and 4u·q; the term −½((log 2π + lv) + q) two roundings and log 2π's own
    /// rounding; the row sum ⌈P/32⌉ + 5 roundings. Gradients: the chains of products, each u, plus the
    /// propagated errors of mean, diff and q. All bounds are first order, used with a factor 2.
    /// </summary>
    [Test, Combinatorial]
    public void GaussianMatchesReference([ValueSource(nameof(RowSumLengths))] int pixels, [Values(1, 2)] int samples)
    {
        const int rows = 3;
        int n = rows * samples * pixels;
        var a = Uniform(pixels + 1, n, -4, 4);
        var v = Uniform(pixels + 2, n, -8, 3); // about a fifth below the floor of −6
        var output = new float[2 * n];
        for (int r = 0; r < rows * samples; r++)
        {
            a.AsSpan(r * pixels, pixels).CopyTo(output.AsSpan(r * 2 * pixels));
            v.AsSpan(r * pixels, pixels).CopyTo(output.AsSpan(r * 2 * pixels + pixels));
        }
        GaussianCase(output, Inputs(pixels + 3, rows * pixels), rows, pixels, samples, -6f, $"P={pixels} S={samples}");
    }

    /// <summary>
    /// Mean pre-activations ±100 and log-variances ±30 with x exactly 0 and 1: with the floor at −6 the
    /// log-variance −30 is floored (gradient exactly 0); with the floor at −40 it is used (1/σ² ≈ 10¹³) and
    /// everything stays finite.
    /// </summary>
    [TestCase(-6f)]
    [TestCase(-40f)]
    public void GaussianEdgeValues(float minLogVariance)
    {
        float[] aValues = [-100f, -20f, 0f, 20f, 100f];
        float[] vValues = [-30f, -6f, 0f, 30f];
        int pixels = 2 * aValues.Length * vValues.Length;
        var output = new float[2 * pixels];
        var x = new float[pixels];
        for (int j = 0; j < pixels; j++)
        {
            output[j] = aValues[j % aValues.Length];
            output[pixels + j] = vValues[j / aValues.Length % vValues.Length];
            x[j] = j < pixels / 2 ? 0f : 1f;
        }
        var (ll, grad) = GaussianCase(output, x, 1, pixels, 1, minLogVariance, $"edges floor {minLogVariance}");
        AllFinite(ll, "ll");
        AllFinite(grad, "dOutput");
        for (int j = 0; j < pixels; j++)
            if (output[pixels + j] < minLogVariance)
                Assert.That(grad[pixels + j], Is.EqualTo(0f), $"log-variance gradient of floored element {j}");
    }

    private (float[] Ll, float[] Grad) GaussianCase(float[] output, float[] x, int rows, int pixels, int samples, float minLogVariance, string what)
    {
        int sampleRows = rows * samples;
        float gradScale = 1f / sampleRows;
        using var ob = Padded(output, 1);
        using var xb = Padded(x, 2);
        using var llb = Output(sampleRows, 3);
        using var gb = Output(output.Length, 4);
        K.GaussianLogLikelihood(Inner(ob, 1), Inner(xb, 2), Inner(llb, 3), Inner(gb, 4), rows, pixels, samples, gradScale, minLogVariance);
        var ll = Read(llb, 3, what + " ll");
        var grad = Read(gb, 4, what + " dOutput");
        var (expectedLl, _, expectedGrad) = ReferenceKernels.Gaussian(output, x, sampleRows, pixels, samples, gradScale, minLogVariance);

        // Element-wise first-order error bounds, following the operation sequence of the contract.
        var termBound = new double[sampleRows];
        var termMagnitude = new double[sampleRows];
        var gradBound = new double[output.Length];
        for (int r = 0; r < sampleRows; r++)
            for (int j = 0; j < pixels; j++)
            {
                double av = output[r * 2 * pixels + j], v = output[r * 2 * pixels + pixels + j], xv = x[r / samples * pixels + j];
                double lv = Math.Max(v, minLogVariance), mean = ReferenceKernels.Sigmoid(av), diff = Math.Abs(xv - mean), iv = Math.Exp(-lv);
                double q = diff * diff * iv;
                // σ(a) is subnormal for a ≲ −87: there its error is absolute, ≤ one subnormal spacing 2⁻¹⁴⁹.
                double dMean = 3.4 * U * mean + 1.4012984643248171e-45;
                double dDiff = dMean + U * diff;
                double dIv = 1.74 * U * iv;
                double dQ = iv * (2 * diff * dDiff + dDiff * dDiff) + diff * diff * dIv + 2 * U * q;
                double sum = ReferenceKernels.Log2Pi + Math.Abs(lv) + q;
                termBound[r] += 0.5 * (dQ + 3 * U * sum);
                termMagnitude[r] += 0.5 * sum;
                double dsig = mean * (1 - mean), gm = diff * iv;
                double dGm = iv * dDiff + diff * dIv + U * gm;
                double dDsig = dMean + 2 * U * dsig;
                gradBound[r * 2 * pixels + j] = gradScale * (dsig * dGm + gm * dDsig + 2 * U * gm * dsig);
                gradBound[r * 2 * pixels + pixels + j] = v >= minLogVariance ? gradScale * (0.5 * (dQ + U * Math.Abs(1 - q)) + U * 0.5 * Math.Abs(1 - q)) : 0;
            }
        Close(ll, expectedLl, r => 2 * (termBound[r] + ((pixels + 31) / 32 + 5) * U * termMagnitude[r]), what + " ll");
        Close(grad, expectedGrad, i => 2 * gradBound[i] + SubnormalFloor, what + " dOutput");
        return (ll, grad);
    }

    // ------------------------------------------------------------------------------------------
    // ELBO rows and sums
    // ------------------------------------------------------------------------------------------

    /// <summary>elbo = (Σ_l ll)/S − kl: S additions, a division and a subtraction, bound (S + 2)·u·((1/S)Σ|ll| + |kl|).</summary>
    [TestCase(1, 1)]
    [TestCase(7, 1)]
    [TestCase(7, 2)]
    [TestCase(7, 3)]
    public void ElboRowsMatchesReference(int rows, int samples)
    {
        var ll = Uniform(rows + samples, rows * samples, -200, 0);
        var kl = Uniform(rows + samples + 1, rows, 0, 50);
        using var llb = Padded(ll, 1);
        using var klb = Padded(kl, 2);
        using var eb = Output(rows, 3);
        K.ElboRows(Inner(llb, 1), Inner(klb, 2), Inner(eb, 3), rows, samples);
        var elbo = Read(eb, 3, "elbo");
        var (expected, magnitude) = ReferenceKernels.ElboRows(ll, kl, rows, samples);
        Close(elbo, expected, i => (samples + 2) * U * magnitude[i], "elbo");
    }

    /// <summary>The 32-lane sum: a path of ⌈n/32⌉ + 5 additions, bound (⌈n/32⌉ + 5)·u·Σ|v|. Writes result[0] only.</summary>
    [TestCase(1)]
    [TestCase(31)]
    [TestCase(32)]
    [TestCase(33)]
    [TestCase(100)]
    [TestCase(784)]
    [TestCase(1000)]
    public void SumRowsMatchesReference(int count)
    {
        var values = Uniform(count, count, -3, 5);
        using var vb = Padded(values, 1);
        using var rb = Output(1, 2);
        K.SumRows(Inner(vb, 1), Inner(rb, 2), count);
        var result = Read(rb, 2, "sum");
        var (sum, magnitude) = ReferenceKernels.Sum(values);
        Close(result, [sum], _ => ((count + 31) / 32 + 5) * U * magnitude, "sum");
    }

    /// <summary>A sum of negative zeros is +0 (the partials start at +0), and a sum of zeros with a count below 32 too.</summary>
    [TestCase(5)]
    [TestCase(64)]
    public void SumRowsOfNegativeZerosIsPositiveZero(int count)
    {
        using var vb = _cpu.Upload<float>(Filled(count, -0f));
        using var rb = _cpu.Upload<float>([Sentinel]);
        K.SumRows(vb, rb, count);
        Assert.That(Bits(rb.ToArray()[0]), Is.EqualTo(0u), "bits of the sum");
    }

    // ------------------------------------------------------------------------------------------
    // Optimizers
    // ------------------------------------------------------------------------------------------

    private static OptimizerScalars Scalars(OptimizerKind kind, int step)
    {
        // As Optimizer.Update does: β^t as float running products.
        float b1 = kind == OptimizerKind.Adam ? 0.9f : kind == OptimizerKind.RmsProp ? 0.95f : 0.9f, b2 = 0.999f;
        float p1 = 1f, p2 = 1f;
        for (int t = 0; t < step; t++) { p1 *= b1; p2 *= b2; }
        float lr = kind is OptimizerKind.Adagrad or OptimizerKind.SgdMomentum ? 0.01f : 0.001f;
        return OptimizerScalars.ForStep(kind, lr, 1e-3f, 1e-8f, b1, b2, p1, p2);
    }

    /// <summary>
    /// Three successive updates, each compared with the double rule applied to the float inputs of that step.
    /// θ: the subtraction rounds once (u·|θ′|) and the step carries at most ~10 roundings (the weight-decay
    /// FMA, the state update, √, + ε, the product, the division; √ halves its argument's error): bound
    /// u·|θ′| + 12u·(step magnitude). State: h = fma(g, g, h) ≤ 3u·h (RMSProp's scaled square ≤ 5u·h);
    /// m = fma(β₁, m, (1−β₁)g) ≤ 3u·(β₁|m| + (1−β₁)|g|); v ≤ 5u·v; SGD's v ≤ 2u·(μ|v| + |g|).
    /// Counts: one element, a ragged 17, and 10 000 (three 4096-element work items over 3 threads).
    /// </summary>
    [Test, Combinatorial]
    public void OptimizerUpdateMatchesReference([Values] OptimizerKind kind, [Values(1, 17, 10000)] int count)
    {
        int seed = (int)kind * 100000 + count;
        var theta = Uniform(seed, count, -1, 1);
        var grad = Uniform(seed + 1, count, -0.1, 0.1);
        var s0 = kind switch
        {
            OptimizerKind.Adam => Uniform(seed + 2, count, -0.01, 0.01),
            OptimizerKind.SgdMomentum => Uniform(seed + 2, count, -0.1, 0.1),
            _ => Uniform(seed + 2, count, 0, 0.01),
        };
        var s1 = kind == OptimizerKind.Adam ? Uniform(seed + 3, count, 0, 1e-4) : new float[count];
        // Element 0: everything zero (the update must leave θ = 0 and finite).
        theta[0] = 0f; grad[0] = 0f; s0[0] = 0f; s1[0] = 0f;
        using var pb = Padded(theta, 1);
        using var gb = Padded(grad, 2);
        using var s0b = Padded(s0, 3);
        using var s1b = Padded(s1, 4);
        for (int step = 1; step <= 3; step++)
        {
            var scalars = Scalars(kind, step);
            var before = (Theta: Read(pb, 1, "theta"), S0: Read(s0b, 3, "state0"), S1: Read(s1b, 4, "state1"));
            K.OptimizerUpdate(Inner(pb, 1), Inner(gb, 2), Inner(s0b, 3), kind == OptimizerKind.Adam ? Inner(s1b, 4) : Inner(s0b, 3), count, scalars);
            var after = (Theta: Read(pb, 1, "theta"), S0: Read(s0b, 3, "state0"), S1: Read(s1b, 4, "state1"));
            Assert.That(Read(gb, 2, "gradient"), Is.EqualTo(grad), "the gradient buffer is not written");

            var expTheta = new double[count];
            var expS0 = new double[count];
            var expS1 = new double[count];
            var stepMag = new double[count];
            var s0Bound = new double[count];
            var s1Bound = new double[count];
            for (int i = 0; i < count; i++)
            {
                var (t, a, b, m) = ReferenceKernels.OptimizerUpdate(before.Theta[i], grad[i], before.S0[i], before.S1[i], scalars);
                (expTheta[i], expS0[i], expS1[i], stepMag[i]) = (t, a, b, m);
                double g = Math.Abs(grad[i] + (double)scalars.WeightDecay * before.Theta[i]);
                s0Bound[i] = kind switch
                {
                    OptimizerKind.Adagrad => 3 * U * a,
                    OptimizerKind.RmsProp => 5 * U * a,
                    OptimizerKind.Adam => 3 * U * (scalars.Beta1 * Math.Abs(before.S0[i]) + scalars.OneMinusBeta1 * g),
                    _ => 2 * U * (scalars.Beta1 * Math.Abs(before.S0[i]) + g),
                };
                s1Bound[i] = 5 * U * b;
            }
            string what = $"{kind} step {step}";
            Close(after.Theta, expTheta, i => U * Math.Abs(expTheta[i]) + 12 * U * stepMag[i] + SubnormalFloor, what + " theta");
            Close(after.S0, expS0, i => s0Bound[i] + SubnormalFloor, what + " state0");
            if (kind == OptimizerKind.Adam) Close(after.S1, expS1, i => s1Bound[i] + SubnormalFloor, what + " state1");
            else Assert.That(after.S1, Is.EqualTo(s1), "state1 untouched by a one-slot rule");
            Assert.That(after.Theta[0], Is.EqualTo(0f), "an all-zero element stays 0");
        }
    }

    /// <summary>
    /// Adam's host scalars from float running products: β^t carries ≤ (t − 1)·u relative error, which
    /// 1 − β^t (exact by Sterbenz) amplifies by β^t/(1 − β^t); the division adds one rounding.
    /// </summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(10)]
    [TestCase(1000)]
    public void AdamScalarsMatchReference(int step)
    {
        const float lr = 0.001f, b1 = 0.9f, b2 = 0.999f;
        float p1 = 1f, p2 = 1f;
        for (int t = 0; t < step; t++) { p1 *= b1; p2 *= b2; }
        var s = OptimizerScalars.ForStep(OptimizerKind.Adam, lr, 0f, 1e-8f, b1, b2, p1, p2);
        double pow1 = Math.Pow(b1, step), pow2 = Math.Pow(b2, step);
        double alpha = ReferenceKernels.AdamStepSize(lr, b1, step), c2 = ReferenceKernels.AdamSecondMomentScale(b2, step);
        double bound1 = ((step - 1) * U * pow1 / (1 - pow1) + 2 * U) * alpha;
        double bound2 = ((step - 1) * U * pow2 / (1 - pow2) + 2 * U) * c2;
        Assert.That((double)s.StepSize, Is.EqualTo(alpha).Within(bound1), "step size");
        Assert.That((double)s.SecondMomentScale, Is.EqualTo(c2).Within(bound2), "second-moment scale");
        Assert.That(s.OneMinusBeta1, Is.EqualTo((float)(1.0 - b1)), "1 − β₁ rounded once");
        Assert.That(s.OneMinusBeta2, Is.EqualTo((float)(1.0 - b2)), "1 − β₂ rounded once");
    }

    // ------------------------------------------------------------------------------------------
    // Gather
    // ------------------------------------------------------------------------------------------

    private static byte[] Bytes(int seed, int count)
    {
        var random = new Random(seed);
        var data = new byte[count];
        random.NextBytes(data);
        byte[] special = [0, 1, 127, 128, 254, 255];
        for (int i = 0; i < count; i += 7) data[i] = special[i / 7 % special.Length];
        return data;
    }

    private float[] Gather(byte[] data, int[] indices, int first, int rows, int pixels, Binarization binarization, RandomKey key)
    {
        using var db = _cpu.Upload<byte>(data);
        using var ib = _cpu.Upload<int>(indices);
        using var xb = Output(rows * pixels, 2);
        K.GatherBatch(db, ib, Inner(xb, 2), first, rows, pixels, binarization, key);
        return Read(xb, 2, "x");
    }

    private static int[] Permutation(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        new Random(seed).Shuffle(order);
        return order;
    }

    /// <summary>
    /// Grey levels: x = b/255 correctly rounded (|Δx| ≤ u·x); threshold: exactly [b ≥ 128]. Images are picked
    /// through a permutation starting at an offset.
    /// </summary>
    [Test, Combinatorial]
    public void GatherMatchesReference([Values(1, 17, 64, 784)] int pixels, [Values(Binarization.None, Binarization.Threshold)] Binarization binarization)
    {
        const int images = 30, rows = 11, first = 4;
        var data = Bytes(pixels, images * pixels);
        var indices = Permutation(images, pixels);
        var x = Gather(data, indices, first, rows, pixels, binarization, default);
        var expected = ReferenceKernels.Gather(data, indices, first, rows, pixels, binarization);
        Close(x, expected, i => binarization == Binarization.None ? U * expected[i] : 0, $"gather {binarization}");
    }

    /// <summary>
    /// Dynamic binarization: every value is 0 or 1, equal to the CPU element function at element r·P + p;
    /// b = 0 gives 0 and b = 255 gives 1; the fraction of ones matches the mean of b/255 within 5 binomial
    /// standard errors; another position draws differently.
    /// </summary>
    [Test]
    public void GatherDynamicDrawsBernoulli()
    {
        const int images = 50, rows = 40, pixels = 784, first = 5;
        var data = Bytes(3, images * pixels);
        var indices = Permutation(images, 3);
        var key = new RandomKey(77, RandomStream.Binarize, 12);
        var x = Gather(data, indices, first, rows, pixels, Binarization.Dynamic, key);
        var p = ReferenceKernels.Gather(data, indices, first, rows, pixels, Binarization.Dynamic);
        double ones = 0, expectedOnes = 0, variance = 0;
        int mismatch = -1;
        for (int i = 0; i < x.Length; i++)
        {
            Assert.That(x[i] == 0f || x[i] == 1f, $"x[{i}] = {x[i]} is not 0 or 1");
            byte b = data[indices[first + i / pixels] * pixels + i % pixels];
            if (mismatch < 0 && Bits(x[i]) != Bits(PixelMath.Value(b, Binarization.Dynamic, (uint)i, key))) mismatch = i;
            if (b == 0) Assert.That(x[i], Is.EqualTo(0f), $"x[{i}] from byte 0");
            if (b == 255) Assert.That(x[i], Is.EqualTo(1f), $"x[{i}] from byte 255");
            ones += x[i];
            expectedOnes += p[i];
            variance += p[i] * (1 - p[i]);
        }
        Assert.That(mismatch, Is.EqualTo(-1), "first element that differs from PixelMath.Value");
        Assert.That(ones, Is.EqualTo(expectedOnes).Within(5 * Math.Sqrt(variance)), "number of ones");
        var other = Gather(data, indices, first, rows, pixels, Binarization.Dynamic, key with { Position = 13 });
        Assert.That(FirstDifference(x, other), Is.Not.EqualTo(-1), "a different step must draw different bits");
    }

    /// <summary>An image index outside the dataset is refused before any pixel is read.</summary>
    [Test]
    public void GatherRejectsIndexOutsideTheData()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Gather(new byte[4 * 3], [0, 1, 4], 0, 3, 3, Binarization.None, default));
    }
}

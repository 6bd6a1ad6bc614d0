using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Cpu;
using IlgpuVae.Kernels.Math;
using NUnit.Framework;
using static IlgpuVae.Tests.Kernels.KernelAssert;

namespace IlgpuVae.Tests.Kernels;

/// <summary>
/// Bit-exactness of the CPU kernels against <see cref="ContractKernels"/>, the scalar transcription of
/// docs/kernels.md: proves that the SIMD tiling of the GEMM (4×32 and 4×16 register tiles, 1×16 row tails,
/// scalar column tails, transposed operands), the two-register row sums and the threading keep the
/// contract's operation order exactly. Then thread-count independence: every kernel gives identical bits
/// on 1, 2 and 3 threads, with shapes large enough that every thread gets work.
/// </summary>
[TestFixture]
public sealed class ExactOrderTests
{
    private static readonly int[] Widths = [1, 15, 16, 17, 31, 32, 33, 40, 100];
    private static readonly int[] RowCounts = [1, 3, 4, 5, 16, 17, 33];
    private static readonly int[] SumLengths = [1, 31, 32, 33, 784];
    private static readonly RandomKey Key = new(0xDEAD_BEEF_0BAD_F00Dul, RandomStream.TrainNoise, (5ul << 32) + 9);

    private CpuAccelerator[] _cpus = null!;

    [OneTimeSetUp]
    public void StartAccelerators() => _cpus = [new CpuAccelerator(1), new CpuAccelerator(2), new CpuAccelerator(3)];

    [OneTimeTearDown]
    public void StopAccelerators()
    {
        foreach (var c in _cpus) c.Dispose();
    }

    private CpuAccelerator Cpu3 => _cpus[2];

    /// <summary>Floats over a wide dynamic range (magnitudes 2⁻¹²…2¹², both signs), so that a different
    /// summation order almost surely changes the bits.</summary>
    private static float[] WideRange(int seed, int count)
    {
        var random = new Random(seed);
        var v = new float[count];
        for (int i = 0; i < count; i++) v[i] = (float)((random.NextDouble() * 2 - 1) * Math.Pow(2, random.Next(-12, 13)));
        return v;
    }

    // ------------------------------------------------------------------------------------------
    // Kernel calls through IKernels (host arrays in and out)
    // ------------------------------------------------------------------------------------------

    private static float[] Forward(CpuAccelerator a, float[] x, float[] w, float[] b, int rows, int inputs, int outputs, Activation act)
    {
        using var xb = a.Upload<float>(x); using var wb = a.Upload<float>(w); using var bb = a.Upload<float>(b);
        using var yb = a.Allocate<float>(rows * outputs);
        a.Kernels.LinearForward(xb, wb, bb, yb, rows, inputs, outputs, act);
        return yb.ToArray();
    }

    private static float[] BackwardData(CpuAccelerator a, float[] dz, float[] w, float[] x, int rows, int inputs, int outputs, Activation act)
    {
        using var dzb = a.Upload<float>(dz); using var wb = a.Upload<float>(w); using var xb = a.Upload<float>(x);
        using var dxb = a.Allocate<float>(rows * inputs);
        a.Kernels.LinearBackwardData(dzb, wb, xb, dxb, rows, inputs, outputs, act);
        return dxb.ToArray();
    }

    private static (float[] Dw, float[] Db) BackwardWeights(CpuAccelerator a, float[] x, float[] dz, int rows, int inputs, int outputs)
    {
        using var xb = a.Upload<float>(x); using var dzb = a.Upload<float>(dz);
        using var dwb = a.Allocate<float>(inputs * outputs); using var dbb = a.Allocate<float>(outputs);
        a.Kernels.LinearBackwardWeights(xb, dzb, dwb, dbb, rows, inputs, outputs);
        return (dwb.ToArray(), dbb.ToArray());
    }

    /// <summary>The kernel in parts: folded (stride 0) it returns one dw and db; apart, each part's, cut out of the strided outputs.</summary>
    private static (float[][] Dw, float[][] Db) BackwardWeightsInParts(CpuAccelerator a, float[] x, float[] dz, int inputs, int outputs, BatchParts parts)
    {
        int rows = parts.Rows;
        using var xb = a.Upload<float>(x); using var dzb = a.Upload<float>(dz);
        using var dwb = a.Allocate<float>(parts.OutputSpan(inputs * outputs)); using var dbb = a.Allocate<float>(parts.OutputSpan(outputs));
        a.Kernels.LinearBackwardWeights(xb, dzb, dwb, dbb, rows, inputs, outputs, parts);
        float[] dw = dwb.ToArray(), db = dbb.ToArray();
        int count = parts.Stride == 0 ? 1 : parts.Length;
        return (Enumerable.Range(0, count).Select(p => dw.AsSpan(p * parts.Stride, inputs * outputs).ToArray()).ToArray(),
            Enumerable.Range(0, count).Select(p => db.AsSpan(p * parts.Stride, outputs).ToArray()).ToArray());
    }

    private static float[] SumRowsInParts(CpuAccelerator a, float[] values, BatchParts parts)
    {
        using var vb = a.Upload<float>(values); using var rb = a.Allocate<float>(parts.OutputSpan(1));
        a.Kernels.SumRows(vb, rb, parts.Rows, parts);
        var r = rb.ToArray();
        return parts.Stride == 0 ? [r[0]] : Enumerable.Range(0, parts.Length).Select(p => r[p * parts.Stride]).ToArray();
    }

    private static (float[] Eps, float[] Z) Sample(CpuAccelerator a, float[] e, int rows, int latent, int samples, int firstRow)
    {
        using var eb = a.Upload<float>(e);
        using var epsb = a.Allocate<float>(rows * samples * latent); using var zb = a.Allocate<float>(rows * samples * latent);
        a.Kernels.SampleLatent(eb, epsb, zb, rows, latent, samples, firstRow, Key);
        return (epsb.ToArray(), zb.ToArray());
    }

    private static float[] Kl(CpuAccelerator a, float[] e, float[] eps, float[] z, int rows, int latent, int samples, KlEstimator est)
    {
        using var eb = a.Upload<float>(e); using var epsb = a.Upload<float>(eps); using var zb = a.Upload<float>(z);
        using var klb = a.Allocate<float>(rows);
        a.Kernels.GaussianKl(eb, epsb, zb, klb, rows, latent, samples, est);
        return klb.ToArray();
    }

    private static float[] LatentBackward(CpuAccelerator a, float[] e, float[] eps, float[] z, float[] dz, int rows, int latent, int samples,
        float klScale, KlEstimator est)
    {
        using var eb = a.Upload<float>(e); using var epsb = a.Upload<float>(eps); using var zb = a.Upload<float>(z);
        using var dzb = a.Upload<float>(dz); using var deb = a.Allocate<float>(e.Length);
        a.Kernels.LatentBackward(eb, epsb, zb, dzb, deb, rows, latent, samples, klScale, est);
        return deb.ToArray();
    }

    private static (float[] Ll, float[] Grad) Bernoulli(CpuAccelerator a, float[] logits, float[] x, int rows, int pixels, int samples, float scale)
    {
        using var lb = a.Upload<float>(logits); using var xb = a.Upload<float>(x);
        using var llb = a.Allocate<float>(rows * samples); using var gb = a.Allocate<float>(logits.Length);
        a.Kernels.BernoulliLogLikelihood(lb, xb, llb, gb, rows, pixels, samples, scale);
        return (llb.ToArray(), gb.ToArray());
    }

    private static (float[] Ll, float[] Grad) Gaussian(CpuAccelerator a, float[] output, float[] x, int rows, int pixels, int samples, float scale, float floor)
    {
        using var ob = a.Upload<float>(output); using var xb = a.Upload<float>(x);
        using var llb = a.Allocate<float>(rows * samples); using var gb = a.Allocate<float>(output.Length);
        a.Kernels.GaussianLogLikelihood(ob, xb, llb, gb, rows, pixels, samples, scale, floor);
        return (llb.ToArray(), gb.ToArray());
    }

    private static float[] ElboRows(CpuAccelerator a, float[] ll, float[] kl, int rows, int samples)
    {
        using var llb = a.Upload<float>(ll); using var klb = a.Upload<float>(kl); using var eb = a.Allocate<float>(rows);
        a.Kernels.ElboRows(llb, klb, eb, rows, samples);
        return eb.ToArray();
    }

    private static float[] ImportanceLogWeights(CpuAccelerator a, float[] e, float[] eps, float[] z, float[] ll, int rows, int latent, int samples)
    {
        using var eb = a.Upload<float>(e); using var epsb = a.Upload<float>(eps); using var zb = a.Upload<float>(z);
        using var llb = a.Upload<float>(ll); using var wb = a.Allocate<float>(rows * samples);
        a.Kernels.ImportanceLogWeights(eb, epsb, zb, llb, wb, rows, latent, samples);
        return wb.ToArray();
    }

    private static float[] LogMeanExp(CpuAccelerator a, float[] values, int rows, int count)
    {
        using var vb = a.Upload<float>(values); using var rb = a.Allocate<float>(rows);
        a.Kernels.LogMeanExp(vb, rb, rows, count);
        return rb.ToArray();
    }

    private static float SumRows(CpuAccelerator a, float[] values)
    {
        using var vb = a.Upload<float>(values); using var rb = a.Allocate<float>(1);
        a.Kernels.SumRows(vb, rb, values.Length);
        return rb.ToArray()[0];
    }

    private static (float[] Theta, float[] S0, float[] S1) Optimize(CpuAccelerator a, float[] theta, float[] grad, float[] s0, float[] s1,
        OptimizerKind kind, int steps)
    {
        using var pb = a.Upload<float>(theta); using var gb = a.Upload<float>(grad);
        using var s0b = a.Upload<float>(s0); using var s1b = a.Upload<float>(s1);
        for (int t = 1; t <= steps; t++)
            a.Kernels.OptimizerUpdate(pb, gb, s0b, kind == OptimizerKind.Adam ? s1b : s0b, theta.Length, Scalars(kind, t));
        return (pb.ToArray(), s0b.ToArray(), s1b.ToArray());
    }

    private static float[] Gather(CpuAccelerator a, byte[] data, int[] indices, int first, int rows, int pixels, Binarization bin)
    {
        using var db = a.Upload<byte>(data); using var ib = a.Upload<int>(indices); using var xb = a.Allocate<float>(rows * pixels);
        a.Kernels.GatherBatch(db, ib, xb, first, rows, pixels, bin, Key with { Stream = RandomStream.Binarize });
        return xb.ToArray();
    }

    private static OptimizerScalars Scalars(OptimizerKind kind, int step)
    {
        float b1 = kind == OptimizerKind.RmsProp ? 0.95f : 0.9f, b2 = 0.999f, p1 = 1f, p2 = 1f;
        for (int t = 0; t < step; t++) { p1 *= b1; p2 *= b2; }
        return OptimizerScalars.ForStep(kind, 0.01f, 1e-3f, 1e-8f, b1, b2, p1, p2);
    }

    // ------------------------------------------------------------------------------------------
    // Random numbers
    // ------------------------------------------------------------------------------------------

    /// <summary>Philox4x32-10 known-answer vectors (Salmon et al.; Random123's kat_vectors).</summary>
    [TestCase(0u, 0u, 0u, 0u, 0u, 0u, 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u)]
    [TestCase(0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu, 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu)]
    [TestCase(0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u, 0xa4093822u, 0x299f31d0u, 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u)]
    public void PhiloxKnownAnswers(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1, uint x0, uint x1, uint x2, uint x3)
    {
        Assert.That(Philox4x32.Generate(c0, c1, c2, c3, k0, k1), Is.EqualTo((x0, x1, x2, x3)));
    }

    /// <summary>The uniform map is exact and strictly inside (0, 1) at its extremes.</summary>
    [Test]
    public void UniformMapIsExactAndOpen()
    {
        foreach (uint w in new[] { 0u, 1u, 511u, 512u, 0x7FFFFFFFu, 0x80000000u, 0xFFFFFE00u, 0xFFFFFFFFu, 0x12345678u })
        {
            float u = Philox4x32.ToUniform(w);
            Assert.That(u, Is.EqualTo(ContractKernels.Uniform(w)), $"word 0x{w:x8}");
            Assert.That((double)u, Is.EqualTo(ReferenceKernels.Uniform(w)), $"exactness at 0x{w:x8}");
            Assert.That(u, Is.GreaterThan(0f).And.LessThan(1f), $"open interval at 0x{w:x8}");
        }
    }

    // ------------------------------------------------------------------------------------------
    // GEMM kernels
    // ------------------------------------------------------------------------------------------

    /// <summary>LinearForward keeps the FMA chain from b[n] over k ascending, for every tile and tail shape.</summary>
    [Test, Combinatorial]
    public void LinearForwardIsBitExact([ValueSource(nameof(Widths))] int outputs, [Values] Activation activation)
    {
        foreach (int rows in RowCounts)
            foreach (int inputs in new[] { 1, 13, 100 })
            {
                int seed = rows * 1000 + inputs * 10 + outputs;
                var x = WideRange(seed, rows * inputs);
                var w = Uniform(seed + 1, inputs * outputs, -1, 1);
                var b = WideRange(seed + 2, outputs);
                if (activation != Activation.Identity) for (int i = 0; i < x.Length; i++) x[i] = x[i] / 4096f;
                BitEqual(ContractKernels.LinearForward(x, w, b, rows, inputs, outputs, activation),
                    Forward(Cpu3, x, w, b, rows, inputs, outputs, activation), $"y {rows}x{inputs}x{outputs} {activation}");
            }
    }

    /// <summary>LinearBackwardData (through the transposed weights) keeps the FMA chain over n ascending from 0 and the derivative order.</summary>
    [Test, Combinatorial]
    public void LinearBackwardDataIsBitExact([ValueSource(nameof(Widths))] int inputs, [Values] Activation activation)
    {
        foreach (int rows in RowCounts)
            foreach (int outputs in new[] { 1, 13, 100 })
            {
                int seed = rows * 1000 + inputs * 10 + outputs;
                var dz = WideRange(seed, rows * outputs);
                var w = Uniform(seed + 1, inputs * outputs, -1, 1);
                var x = activation == Activation.Sigmoid ? Uniform(seed + 2, rows * inputs, 0, 1) : Uniform(seed + 2, rows * inputs, -1, 1);
                BitEqual(ContractKernels.LinearBackwardData(dz, w, x, rows, inputs, outputs, activation),
                    BackwardData(Cpu3, dz, w, x, rows, inputs, outputs, activation), $"dx {rows}x{inputs}x{outputs} {activation}");
            }
    }

    /// <summary>LinearBackwardWeights (through the transposed input) keeps the FMA chain over m ascending from 0; db the additions.</summary>
    [TestCaseSource(nameof(Widths))]
    public void LinearBackwardWeightsIsBitExact(int outputs)
    {
        foreach (int rows in new[] { 1, 3, 17, 33, 100 })
            foreach (int inputs in new[] { 1, 3, 4, 5, 16, 17, 33 })
            {
                int seed = rows * 1000 + inputs * 10 + outputs;
                var x = WideRange(seed, rows * inputs);
                var dz = WideRange(seed + 1, rows * outputs);
                var (dw, db) = ContractKernels.LinearBackwardWeights(x, dz, rows, inputs, outputs);
                var (dwE, dbE) = BackwardWeights(Cpu3, x, dz, rows, inputs, outputs);
                string what = $"{rows}x{inputs}x{outputs}";
                BitEqual(dw, dwE, "dw " + what);
                BitEqual(db, dbE, "db " + what);
            }
    }

    /// <summary>
    /// Minibatch partitions: (batch, parts, first part, parts covered, rows per datapoint). Uneven parts, a
    /// single datapoint per part, a slice in the middle, two samples per datapoint.
    /// </summary>
    private static readonly (int Batch, int Count, int First, int Length, int Samples)[] Partitions =
    [
        (100, 12, 0, 12, 1), (100, 12, 0, 12, 2), (7, 7, 0, 7, 1), (50, 12, 3, 4, 1), (50, 12, 11, 1, 2), (33, 5, 1, 3, 3),
    ];

    /// <summary>
    /// LinearBackwardWeights in parts keeps each part's chains over its own rows from 0 and adds the parts left to
    /// right (folded), or writes each part's sums the stride apart; a whole sum over the same rows gives other bits.
    /// </summary>
    [TestCase(1)]
    [TestCase(17)]
    [TestCase(40)]
    public void LinearBackwardWeightsInPartsIsBitExact(int outputs)
    {
        const int inputs = 19;
        foreach (var (batch, count, first, length, samples) in Partitions)
        {
            var parts = new BatchParts(batch, count, first, length, samples, 0);
            int rows = parts.Rows, seed = batch * 100 + first * 10 + samples;
            var x = WideRange(seed, rows * inputs);
            var dz = WideRange(seed + 1, rows * outputs);
            var (dw, db) = ContractKernels.LinearBackwardWeightsByPart(x, dz, inputs, outputs, parts);
            string what = $"parts {first}..{first + length - 1} of {count} of a batch of {batch}, S = {samples}, {inputs}x{outputs}";
            var (dwF, dbF) = BackwardWeightsInParts(Cpu3, x, dz, inputs, outputs, parts);
            BitEqual(ContractKernels.FoldParts(dw), dwF[0], "folded dw " + what);
            BitEqual(ContractKernels.FoldParts(db), dbF[0], "folded db " + what);
            var (dwA, dbA) = BackwardWeightsInParts(Cpu3, x, dz, inputs, outputs, parts.WithStride(inputs * outputs + 5));
            for (int p = 0; p < length; p++)
            {
                BitEqual(dw[p], dwA[p], $"dw of part {first + p}, " + what);
                BitEqual(db[p], dbA[p], $"db of part {first + p}, " + what);
            }
            if (length > 2 && rows > 20)
            {
                var (whole, _) = ContractKernels.LinearBackwardWeights(x, dz, rows, inputs, outputs);
                Assert.That(whole.Select(Bits), Is.Not.EqualTo(dwF[0].Select(Bits)), "test data too tame: the parts give the bits of one chain");
            }
        }
    }

    /// <summary>SumRows in parts: rowsum32 within each part, the parts added left to right or written the stride apart.</summary>
    [Test]
    public void SumRowsInPartsIsBitExact()
    {
        foreach (var (batch, count, first, length, samples) in Partitions)
        {
            var parts = new BatchParts(batch, count, first, length, samples, 0);
            var v = WideRange(batch + first, parts.Rows);
            var sums = ContractKernels.SumByPart(v, parts);
            string what = $"parts {first}..{first + length - 1} of {count} of a batch of {batch}, S = {samples}";
            BitEqual([ContractKernels.FoldParts(sums.Select(s => new[] { s }).ToArray())[0]], SumRowsInParts(Cpu3, v, parts), "folded " + what);
            BitEqual(sums, SumRowsInParts(Cpu3, v, parts.WithStride(3)), "apart " + what);
        }
    }

    /// <summary>A partition that does not fit the call is refused before anything is computed.</summary>
    [Test]
    public void PartsThatDoNotFitAreRefused()
    {
        var x = new float[10 * 3];
        var dz = new float[10 * 2];
        Assert.Multiple(() =>
        {
            Assert.Throws<ArgumentException>(() => BackwardWeightsInParts(Cpu3, x, dz, 3, 2, new BatchParts(10, 11, 0, 11, 1, 0)), "more parts than datapoints");
            Assert.Throws<ArgumentException>(() => BackwardWeightsInParts(Cpu3, x, dz, 3, 2, new BatchParts(10, 4, 3, 2, 1, 0)), "parts past the last");
            Assert.Throws<ArgumentException>(() => BackwardWeightsInParts(Cpu3, x, dz, 3, 2, new BatchParts(10, 4, 0, 2, 1, 5)), "stride shorter than dw");
        });
    }

    // ------------------------------------------------------------------------------------------
    // Row sums and the kernels built on them
    // ------------------------------------------------------------------------------------------

    private struct Terms(float[] values) : RowSum32.ITerms
    {
        public readonly float Term(int j) => values[j];
    }

    /// <summary>
    /// RowSum32 (both forms) and the SumRows kernel equal the contract's 32 partials and pairwise tree.
    /// The data has a wide dynamic range, and for n ≥ 64 a plain left-to-right sum gives other bits,
    /// so the check really sees the order.
    /// </summary>
    [TestCaseSource(nameof(SumLengths))]
    [TestCase(64)]
    [TestCase(65)]
    public void RowSumIsBitExact(int n)
    {
        var v = WideRange(n, n);
        float expected = ContractKernels.RowSum32(v);
        var terms = new Terms(v);
        Assert.Multiple(() =>
        {
            Assert.That(Bits(RowSum32.Sum(v)), Is.EqualTo(Bits(expected)), "RowSum32.Sum(span)");
            Assert.That(Bits(RowSum32.Sum(n, ref terms)), Is.EqualTo(Bits(expected)), "RowSum32.Sum(terms)");
            Assert.That(Bits(CpuReductions.Sum(v, n)), Is.EqualTo(Bits(expected)), "CpuReductions.Sum");
            Assert.That(Bits(SumRows(Cpu3, v)), Is.EqualTo(Bits(expected)), "IKernels.SumRows");
        });
        if (n >= 64)
        {
            float sequential = 0f;
            foreach (float x in v) sequential += x;
            Assert.That(Bits(sequential), Is.Not.EqualTo(Bits(expected)), "test data too tame: a sequential sum has the same bits");
        }
    }

    /// <summary>Bernoulli terms and gradients, summed by the rowsum32 scheme (the kernel keeps partial final blocks lane by lane).</summary>
    [Test, Combinatorial]
    public void BernoulliIsBitExact([ValueSource(nameof(SumLengths))] int pixels, [Values(1, 2)] int samples)
    {
        const int rows = 3;
        var logits = Uniform(pixels, rows * samples * pixels, -8, 8);
        logits[0] = 100f; logits[^1] = -100f;
        if (logits.Length > 2) logits[1] = 0f;
        var x = Uniform(pixels + 1, rows * pixels, 0, 1);
        x[0] = 0f; x[^1] = 1f;
        float scale = 1f / (rows * samples);
        var (ll, grad) = ContractKernels.Bernoulli(logits, x, rows * samples, pixels, samples, scale);
        var (llE, gradE) = Bernoulli(Cpu3, logits, x, rows, pixels, samples, scale);
        BitEqual(ll, llE, $"ll P={pixels}");
        BitEqual(grad, gradE, $"dLogits P={pixels}");
    }

    /// <summary>Gaussian terms and gradients (with floored log-variances), summed by the rowsum32 scheme.</summary>
    [Test, Combinatorial]
    public void GaussianIsBitExact([ValueSource(nameof(SumLengths))] int pixels, [Values(1, 2)] int samples)
    {
        const int rows = 3;
        var output = Uniform(pixels + 2, rows * samples * 2 * pixels, -8, 3);
        var x = Uniform(pixels + 3, rows * pixels, 0, 1);
        x[0] = 0f; x[^1] = 1f;
        float scale = 1f / (rows * samples);
        var (ll, grad) = ContractKernels.Gaussian(output, x, rows * samples, pixels, samples, scale, -6f);
        var (llE, gradE) = Gaussian(Cpu3, output, x, rows, pixels, samples, scale, -6f);
        BitEqual(ll, llE, $"ll P={pixels}");
        BitEqual(grad, gradE, $"dOutput P={pixels}");
    }

    private static float[] EncoderOut(int seed, int rows, int latent)
    {
        var e = Uniform(seed, rows * 2 * latent, -3, 3);
        e[latent] = 30f; // one extreme log-variance
        return e;
    }

    /// <summary>SampleLatent (Philox, Box–Muller, exp, fma), both KL estimators (rowsum32 over latent units) and the latent backward pass.</summary>
    [Test, Combinatorial]
    public void LatentKernelsAreBitExact([ValueSource(nameof(SumLengths))] int latent, [Values(1, 3)] int samples)
    {
        const int rows = 4, firstRow = 17;
        var e = EncoderOut(latent + samples, rows, latent);
        var (eps, z) = ContractKernels.SampleLatent(e, rows, latent, samples, firstRow, Key);
        var (epsE, zE) = Sample(Cpu3, e, rows, latent, samples, firstRow);
        BitEqual(eps, epsE, "epsilon");
        BitEqual(z, zE, "z");
        var dz = Uniform(latent, eps.Length, -1, 1);
        foreach (var est in new[] { KlEstimator.Analytic, KlEstimator.MonteCarlo })
        {
            BitEqual(ContractKernels.Kl(e, eps, z, rows, latent, samples, est), Kl(Cpu3, e, eps, z, rows, latent, samples, est), $"kl {est}");
            BitEqual(ContractKernels.LatentBackward(e, eps, z, dz, rows, latent, samples, 0.25f, est),
                LatentBackward(Cpu3, e, eps, z, dz, rows, latent, samples, 0.25f, est), $"dE {est}");
        }
    }

    /// <summary>ELBO rows: the sum over samples from 0, the division by S, the subtraction.</summary>
    [TestCase(1)]
    [TestCase(3)]
    public void ElboRowsIsBitExact(int samples)
    {
        const int rows = 9;
        var ll = WideRange(samples, rows * samples);
        var kl = WideRange(samples + 1, rows);
        BitEqual(ContractKernels.ElboRows(ll, kl, rows, samples), ElboRows(Cpu3, ll, kl, rows, samples), "elbo");
    }

    /// <summary>Importance log-weights: the terms' fma order, the row sum, the subtraction from ll.</summary>
    [Test, Combinatorial]
    public void ImportanceLogWeightsIsBitExact([ValueSource(nameof(SumLengths))] int latent, [Values(1, 3)] int samples)
    {
        const int rows = 5;
        var e = WideRange(latent, rows * 2 * latent);
        var eps = WideRange(latent + 1, rows * samples * latent);
        var z = WideRange(latent + 2, rows * samples * latent);
        var ll = WideRange(latent + 3, rows * samples);
        BitEqual(ContractKernels.ImportanceLogWeights(e, eps, z, ll, rows, latent, samples),
            ImportanceLogWeights(Cpu3, e, eps, z, ll, rows, latent, samples), "log-weights");
    }

    /// <summary>Log-mean-exp: the 32-lane maximum with selects, the shift, the row sum of exp, the final order; rows of −∞ and +∞ too.</summary>
    [TestCaseSource(nameof(SumLengths))]
    [TestCase(5000)]
    public void LogMeanExpIsBitExact(int count)
    {
        const int rows = 6;
        var random = new Random(count);
        var values = new float[rows * count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 200 - 150);
        values.AsSpan(3 * count, count).Fill(float.NegativeInfinity);
        values[4 * count + count / 2] = float.PositiveInfinity;
        values[5 * count] = -0f;
        BitEqual(ContractKernels.LogMeanExp(values, rows, count), LogMeanExp(Cpu3, values, rows, count), "log-mean-exp");
    }

    /// <summary>Three updates of each rule over 10 000 elements (three 4096-element work items).</summary>
    [Test]
    public void OptimizerUpdateIsBitExact([Values] OptimizerKind kind)
    {
        const int n = 10000;
        var theta = Uniform(1, n, -1, 1);
        var grad = Uniform(2, n, -0.1, 0.1);
        var s0 = kind is OptimizerKind.Adam or OptimizerKind.SgdMomentum ? Uniform(3, n, -0.01, 0.01) : Uniform(3, n, 0, 0.01);
        var s1 = Uniform(4, n, 0, 1e-4);
        var (t, a, b) = Optimize(Cpu3, theta, grad, s0, s1, kind, 3);
        var (et, ea, eb) = ((float[])theta.Clone(), (float[])s0.Clone(), (float[])s1.Clone());
        for (int step = 1; step <= 3; step++)
            ContractKernels.OptimizerUpdate(et, grad, ea, kind == OptimizerKind.Adam ? eb : ea, Scalars(kind, step));
        BitEqual(et, t, $"{kind} theta");
        BitEqual(ea, a, $"{kind} state0");
        BitEqual(eb, b, $"{kind} state1");
    }

    /// <summary>Gather in all three binarizations, through a permutation and an offset.</summary>
    [Test]
    public void GatherIsBitExact([Values] Binarization binarization)
    {
        const int images = 20, pixels = 33, rows = 9, first = 6;
        var data = new byte[images * pixels];
        new Random(5).NextBytes(data);
        var indices = Enumerable.Range(0, images).Reverse().ToArray();
        var key = Key with { Stream = RandomStream.Binarize };
        BitEqual(ContractKernels.Gather(data, indices, first, rows, pixels, binarization, key),
            Gather(Cpu3, data, indices, first, rows, pixels, binarization), $"x {binarization}");
    }

    // ------------------------------------------------------------------------------------------
    // Thread-count independence
    // ------------------------------------------------------------------------------------------

    /// <summary>Runs <paramref name="run"/> on 1, 2 and 3 threads and asserts identical bits in every output.</summary>
    private void SameOnAllThreadCounts(string what, Func<CpuAccelerator, float[][]> run)
    {
        var reference = run(_cpus[0]);
        for (int c = 1; c < _cpus.Length; c++)
        {
            var other = run(_cpus[c]);
            for (int o = 0; o < reference.Length; o++)
                BitEqual(reference[o], other[o], $"{what} output {o}: {_cpus[c].ThreadCount} threads vs 1");
        }
    }

    /// <summary>Every kernel, with shapes that give each of 3 threads several work items.</summary>
    [Test]
    public void EveryKernelIsIndependentOfTheThreadCount()
    {
        using var scope = Assert.EnterMultipleScope(); // report every kernel that differs, not just the first
        const int rows = 67, inputs = 45, outputs = 100;
        var x = Uniform(1, rows * inputs, -1, 1);
        var w = Uniform(2, inputs * outputs, -0.5, 0.5);
        var b = Uniform(3, outputs, -1, 1);
        var dz = Uniform(4, rows * outputs, -1, 1);
        var w2 = Uniform(5, outputs * inputs, -0.5, 0.5);
        foreach (var act in Enum.GetValues<Activation>())
        {
            SameOnAllThreadCounts($"LinearForward {act}", a => [Forward(a, x, w, b, rows, inputs, outputs, act)]);
            SameOnAllThreadCounts($"LinearBackwardData {act}", a => [BackwardData(a, dz, w, x, rows, inputs, outputs, act)]);
            SameOnAllThreadCounts($"LinearForward wide {act}", a => [Forward(a, dz, w2, x.AsSpan(0, inputs).ToArray(), rows, outputs, inputs, act)]);
        }
        SameOnAllThreadCounts("LinearBackwardWeights", a => { var (dw, db) = BackwardWeights(a, x, dz, rows, inputs, outputs); return [dw, db]; });
        SameOnAllThreadCounts("LinearBackwardWeights in parts", a =>
        {
            var (dw, db) = BackwardWeightsInParts(a, x, dz, inputs, outputs, BatchParts.All(rows, 12));
            return [dw[0], db[0]];
        });

        const int batch = 7, latent = 33, samples = 2, pixels = 100;
        var e = EncoderOut(9, batch, latent);
        var (eps, z) = Sample(_cpus[0], e, batch, latent, samples, 3);
        var dzl = Uniform(10, eps.Length, -1, 1);
        SameOnAllThreadCounts("SampleLatent", a => { var (p, q) = Sample(a, e, batch, latent, samples, 3); return [p, q]; });
        foreach (var est in new[] { KlEstimator.Analytic, KlEstimator.MonteCarlo })
        {
            SameOnAllThreadCounts($"GaussianKl {est}", a => [Kl(a, e, eps, z, batch, latent, samples, est)]);
            SameOnAllThreadCounts($"LatentBackward {est}", a => [LatentBackward(a, e, eps, z, dzl, batch, latent, samples, 1f / batch, est)]);
        }
        var xin = Uniform(11, batch * pixels, 0, 1);
        var logits = Uniform(12, batch * samples * pixels, -5, 5);
        var gout = Uniform(13, batch * samples * 2 * pixels, -7, 2);
        SameOnAllThreadCounts("Bernoulli", a => { var (l, g) = Bernoulli(a, logits, xin, batch, pixels, samples, 0.1f); return [l, g]; });
        SameOnAllThreadCounts("Gaussian", a => { var (l, g) = Gaussian(a, gout, xin, batch, pixels, samples, 0.1f, -6f); return [l, g]; });
        var ll = Uniform(14, batch * samples, -100, 0);
        var kl = Uniform(15, batch, 0, 10);
        SameOnAllThreadCounts("ElboRows", a => [ElboRows(a, ll, kl, batch, samples)]);
        SameOnAllThreadCounts("SumRows", a => [[SumRows(a, logits)]]);
        foreach (var kind in Enum.GetValues<OptimizerKind>())
        {
            var theta = Uniform(16, 10000, -1, 1);
            var grad = Uniform(17, 10000, -0.1, 0.1);
            var s0 = Uniform(18, 10000, 0, 0.01);
            var s1 = Uniform(19, 10000, 0, 1e-4);
            SameOnAllThreadCounts($"OptimizerUpdate {kind}", a => { var (t, p, q) = Optimize(a, theta, grad, s0, s1, kind, 2); return [t, p, q]; });
        }
        var data = new byte[40 * 784];
        new Random(20).NextBytes(data);
        var indices = Enumerable.Range(0, 40).Select(i => (i * 7) % 40).ToArray();
        foreach (var bin in Enum.GetValues<Binarization>())
            SameOnAllThreadCounts($"GatherBatch {bin}", a => [Gather(a, data, indices, 3, 31, 784, bin)]);
    }
}

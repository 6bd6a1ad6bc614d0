using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// The catalogue of kernel checks: every <see cref="Accelerators.IKernels"/> method, each variant
/// (activation, estimator, optimizer, binarization) as its own check, in scenarios chosen to break a
/// wrong implementation: shapes that are no multiple of any tile or of 32 lanes, a single row, empty
/// sums, zeros of both signs, logits of ±100, log-variances of ±30, extreme pre-activations.
/// </summary>
internal static class KernelChecks
{
    /// <summary>Every check, in a fixed order.</summary>
    public static IReadOnlyList<KernelCheck> All => Catalogue.Value;

    // Lazy, so that the shape tables below are initialised before the checks that read them.
    private static readonly Lazy<List<KernelCheck>> Catalogue = new(Create);

    /// <summary>The check called <paramref name="name"/>.</summary>
    public static KernelCheck Get(string name) =>
        All.FirstOrDefault(c => c.Name == name) ?? throw new ArgumentException($"no kernel check named {name}", nameof(name));

    private static List<KernelCheck> Create()
    {
        var list = new List<KernelCheck>();
        foreach (var a in Enum.GetValues<Activation>()) list.Add(LinearForward(a));
        foreach (var a in Enum.GetValues<Activation>()) list.Add(LinearBackwardData(a));
        list.Add(LinearBackwardWeights());
        list.Add(LinearBackwardWeightsInParts());
        list.Add(SampleLatent());
        foreach (var e in new[] { KlEstimator.Analytic, KlEstimator.MonteCarlo }) list.Add(GaussianKl(e));
        foreach (var e in new[] { KlEstimator.Analytic, KlEstimator.MonteCarlo }) list.Add(LatentBackward(e));
        list.Add(Bernoulli());
        list.Add(Gaussian());
        list.Add(ElboRows());
        list.Add(SumRows());
        list.Add(SumRowsInParts());
        foreach (var k in Enum.GetValues<OptimizerKind>()) list.Add(Optimizer(k));
        foreach (var b in Enum.GetValues<Binarization>()) list.Add(Gather(b));
        list.AddRange(ImportanceKernelChecks.Create());
        return list;
    }

    private static string Lower(Enum value) => value switch
    {
        KlEstimator.MonteCarlo => "monte-carlo",
        OptimizerKind.SgdMomentum => "sgd-momentum",
        _ => value.ToString().ToLowerInvariant(),
    };

    /// <summary>Linear shapes: (label, rows, inputs, outputs, kind of data).</summary>
    private static readonly (string Label, int Rows, int Inputs, int Outputs, string Data)[] LinearShapes =
    [
        ("random 67x37->45", 67, 37, 45, "random"),
        ("random 100x130->70", 100, 130, 70, "random"),
        ("single row 1x5->3", 1, 5, 3, "random"),
        ("zeros 3x17->20", 3, 17, 20, "zeros"),
        ("large 9x16->64", 9, 16, 64, "large"),
        ("no inputs 2x0->5", 2, 0, 5, "random"),
    ];

    private static KernelCheck LinearForward(Activation activation) => new($"LinearForward/{Lower(activation)}", "LinearForward",
        LinearShapes.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 7919 + s.Inputs * 31 + s.Outputs);
            float[] x = s.Data switch
            {
                "zeros" => Enumerable.Repeat(-0f, s.Rows * s.Inputs).ToArray(),
                "large" => v.Normal((long)s.Rows * s.Inputs, 40f),
                _ => v.Normal((long)s.Rows * s.Inputs, 1f),
            };
            var w = v.Normal((long)s.Inputs * s.Outputs, 0.3f);
            // Zeros: x = −0 and w > 0 keep a chain that starts from b = −0 at −0 all the way, so any
            // extra (padding) term fma(0, 0, −0) = +0 would show in the sign of the result.
            if (s.Data == "zeros") w = w.Select(MathF.Abs).ToArray();
            var b = s.Data == "zeros" ? TestValues.SignedZeros(s.Outputs) : v.Normal(s.Outputs, 0.1f);
            c.Kernels.LinearForward(c.In(x), c.In(w), c.In(b), c.Out("y", (long)s.Rows * s.Outputs), s.Rows, s.Inputs, s.Outputs, activation);
        }))).ToList());

    private static KernelCheck LinearBackwardData(Activation activation) => new($"LinearBackwardData/{Lower(activation)}", "LinearBackwardData",
        LinearShapes.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 7919 + s.Inputs * 31 + s.Outputs + 1);
            long n = (long)s.Rows * s.Inputs;
            float[] dz = s.Data switch
            {
                "zeros" => TestValues.SignedZeros((long)s.Rows * s.Outputs),
                "large" => v.Normal((long)s.Rows * s.Outputs, 40f),
                _ => v.Normal((long)s.Rows * s.Outputs, 0.1f),
            };
            var w = v.Normal((long)s.Inputs * s.Outputs, 0.3f);
            float[] x = activation switch
            {
                Activation.Tanh => v.TanhOutputs(n),
                Activation.Sigmoid => v.SigmoidOutputs(n),
                _ => v.Normal(n, 1f),
            };
            c.Kernels.LinearBackwardData(c.In(dz), c.In(w), c.In(x), c.Out("dx", n), s.Rows, s.Inputs, s.Outputs, activation);
        }))).ToList());

    private static KernelCheck LinearBackwardWeights() => new("LinearBackwardWeights", "LinearBackwardWeights",
        LinearShapes.Where(s => s.Inputs > 0).Append((Label: "no rows 0x4->6", Rows: 0, Inputs: 4, Outputs: 6, Data: "random")).Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 7919 + s.Inputs * 31 + s.Outputs + 2);
            float[] x = s.Data == "zeros" ? TestValues.SignedZeros((long)s.Rows * s.Inputs) : v.Normal((long)s.Rows * s.Inputs, s.Data == "large" ? 40f : 1f);
            float[] dz = s.Data == "zeros" ? TestValues.SignedZeros((long)s.Rows * s.Outputs) : v.Normal((long)s.Rows * s.Outputs, 0.1f);
            c.Kernels.LinearBackwardWeights(c.In(x), c.In(dz), c.Out("dw", (long)s.Inputs * s.Outputs), c.Out("db", s.Outputs), s.Rows, s.Inputs, s.Outputs);
        }))).ToList());

    /// <summary>
    /// Minibatch partitions (docs/kernels.md, "Minibatch parts"): (label, batch, parts, first part, parts covered,
    /// rows per datapoint, folded or each part apart). Part ends inside a staged chunk and on its edge, uneven
    /// parts, a slice of the parts as one rank of several holds it, two samples per datapoint.
    /// </summary>
    private static readonly (string Label, int Batch, int Count, int First, int Length, int Samples, bool Apart)[] Partitions =
    [
        ("batch 100 in 12 parts, folded", 100, 12, 0, 12, 1, false),
        ("batch 64 in 4 parts of 16, folded", 64, 4, 0, 4, 1, false),
        ("batch 37 in 37 parts, S=2, folded", 37, 37, 0, 37, 2, false),
        ("parts 3-6 of 12 of batch 50, apart", 50, 12, 3, 4, 1, true),
        ("parts 1-3 of 5 of batch 33, S=3, apart", 33, 5, 1, 3, 3, true),
        ("part 11 of 12 of batch 100, apart", 100, 12, 11, 1, 1, true),
    ];

    private static KernelCheck LinearBackwardWeightsInParts() => new("LinearBackwardWeights/parts", "LinearBackwardWeights",
        Partitions.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            const int inputs = 37, outputs = 45;
            var parts = new BatchParts(s.Batch, s.Count, s.First, s.Length, s.Samples, s.Apart ? inputs * outputs + 7 : 0);
            int rows = parts.Rows;
            var v = new TestValues(s.Batch * 131 + s.First * 7 + s.Samples);
            float[] x = v.Normal((long)rows * inputs, 1f);
            float[] dz = v.Normal((long)rows * outputs, 0.1f);
            // A few large values, so that a sum in any other order gives other bits.
            for (int i = 0; i < dz.Length; i += 97) dz[i] *= 1e4f;
            c.Kernels.LinearBackwardWeights(c.In(x), c.In(dz), c.Out("dw", parts.OutputSpan((long)inputs * outputs)),
                c.Out("db", parts.OutputSpan(outputs)), rows, inputs, outputs, parts);
        }))).ToList());

    /// <summary>Latent shapes: (label, rows, latent, samples, kind of data).</summary>
    private static readonly (string Label, int Rows, int Latent, int Samples, string Data)[] LatentShapes =
    [
        ("random 13x37 S=3", 13, 37, 3, "random"),
        ("random 100x20 S=1", 100, 20, 1, "random"),
        ("single 1x1 S=1", 1, 1, 1, "random"),
        ("log-variance +-30 8x20 S=2", 8, 20, 2, "extreme"),
        ("zeros 5x33 S=1", 5, 33, 1, "zeros"),
    ];

    /// <summary>An encoder output row block: μ then log σ² per row.</summary>
    private static float[] EncoderOut(TestValues v, int rows, int latent, string data)
    {
        var e = new float[(long)rows * 2 * latent];
        if (data == "zeros") return e;
        var mu = data == "extreme" ? v.Pick((long)rows * latent, -10f, -1f, 0f, -0f, 3f, 10f) : v.Normal((long)rows * latent, 1f);
        var lv = data == "extreme" ? v.Pick((long)rows * latent, -30f, -29.9f, -15f, 0f, 15f, 29.9f, 30f) : v.Normal((long)rows * latent, 1f, -0.5f);
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(mu, (long)i * latent, e, (long)i * 2 * latent, latent);
            Array.Copy(lv, (long)i * latent, e, (long)i * 2 * latent + latent, latent);
        }
        return e;
    }

    private static KernelCheck SampleLatent() => new("SampleLatent", "SampleLatent",
        LatentShapes.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 131 + s.Latent * 17 + s.Samples);
            var e = EncoderOut(v, s.Rows, s.Latent, s.Data);
            long n = (long)s.Rows * s.Samples * s.Latent;
            // A seed and position with both 32-bit halves in use, and a first row past the start.
            var key = new RandomKey(0x0123456789ABCDEFUL, RandomStream.TrainNoise, 0x1_0000_0005UL);
            c.Kernels.SampleLatent(c.In(e), c.Out("epsilon", n), c.Out("z", n), s.Rows, s.Latent, s.Samples, 1234, key);
        }))).ToList());

    private static KernelCheck GaussianKl(KlEstimator estimator) => new($"GaussianKl/{Lower(estimator)}", "GaussianKl",
        LatentShapes.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 131 + s.Latent * 17 + s.Samples + 1);
            var e = EncoderOut(v, s.Rows, s.Latent, s.Data);
            long n = (long)s.Rows * s.Samples * s.Latent;
            var eps = s.Data == "zeros" ? new float[n] : v.Normal(n, 1f);
            var z = s.Data == "zeros" ? new float[n] : v.Normal(n, s.Data == "extreme" ? 1000f : 2f);
            c.Kernels.GaussianKl(c.In(e), c.In(eps), c.In(z), c.Out("kl", s.Rows), s.Rows, s.Latent, s.Samples, estimator);
        }))).ToList());

    private static KernelCheck LatentBackward(KlEstimator estimator) => new($"LatentBackward/{Lower(estimator)}", "LatentBackward",
        LatentShapes.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 131 + s.Latent * 17 + s.Samples + 2);
            var e = EncoderOut(v, s.Rows, s.Latent, s.Data);
            long n = (long)s.Rows * s.Samples * s.Latent;
            var eps = s.Data == "zeros" ? new float[n] : v.Normal(n, 1f);
            var z = s.Data == "zeros" ? new float[n] : v.Normal(n, 2f);
            var dz = s.Data == "zeros" ? TestValues.SignedZeros(n) : v.Normal(n, 0.1f);
            c.Kernels.LatentBackward(c.In(e), c.In(eps), c.In(z), c.In(dz), c.Out("dE", (long)s.Rows * 2 * s.Latent),
                s.Rows, s.Latent, s.Samples, 1f / s.Rows, estimator);
        }))).ToList());

    private static KernelCheck Bernoulli() => new("BernoulliLogLikelihood", "BernoulliLogLikelihood",
        new (string Label, int Rows, int Pixels, int Samples, string Data)[]
        {
            ("random 11x784 S=2", 11, 784, 2, "random"),
            ("logits +-100 7x33 S=1", 7, 33, 1, "extreme"),
            ("single 1x5 S=1", 1, 5, 1, "random"),
            ("zeros 4x31 S=3", 4, 31, 3, "zeros"),
        }.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 977 + s.Pixels + s.Samples);
            long sampleRows = (long)s.Rows * s.Samples;
            float[] logits = s.Data switch
            {
                "extreme" => v.Pick(sampleRows * s.Pixels, -100f, -99.5f, -88f, -20f, -0f, 0f, 20f, 88f, 100f, 104f),
                "zeros" => TestValues.SignedZeros(sampleRows * s.Pixels),
                _ => v.Normal(sampleRows * s.Pixels, 3f),
            };
            float[] x = s.Data switch
            {
                "extreme" => v.Pick((long)s.Rows * s.Pixels, 0f, 1f),
                "zeros" => new float[(long)s.Rows * s.Pixels],
                _ => v.Grey((long)s.Rows * s.Pixels),
            };
            c.Kernels.BernoulliLogLikelihood(c.In(logits), c.In(x), c.Out("ll", sampleRows), c.Out("dLogits", sampleRows * s.Pixels),
                s.Rows, s.Pixels, s.Samples, 1f / sampleRows);
        }))).ToList());

    private static KernelCheck Gaussian() => new("GaussianLogLikelihood", "GaussianLogLikelihood",
        new (string Label, int Rows, int Pixels, int Samples, string Data)[]
        {
            ("random 9x50 S=2", 9, 50, 2, "random"),
            ("log-variance +-30 5x40 S=1", 5, 40, 1, "extreme"),
            ("single 1x3 S=1", 1, 3, 1, "random"),
        }.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 977 + s.Pixels + s.Samples + 1);
            long sampleRows = (long)s.Rows * s.Samples;
            var output = new float[sampleRows * 2 * s.Pixels];
            var a = s.Data == "extreme" ? v.Pick(sampleRows * s.Pixels, -100f, -20f, -0f, 0f, 20f, 100f) : v.Normal(sampleRows * s.Pixels, 2f);
            // Log-variances around and below the floor of −6, and the extremes ±30.
            var lv = s.Data == "extreme" ? v.Pick(sampleRows * s.Pixels, -30f, -6.0001f, -6f, -5.9999f, 0f, 30f) : v.Normal(sampleRows * s.Pixels, 2.5f, -2f);
            for (long r = 0; r < sampleRows; r++)
            {
                Array.Copy(a, r * s.Pixels, output, r * 2 * s.Pixels, s.Pixels);
                Array.Copy(lv, r * s.Pixels, output, r * 2 * s.Pixels + s.Pixels, s.Pixels);
            }
            var x = v.Grey((long)s.Rows * s.Pixels);
            c.Kernels.GaussianLogLikelihood(c.In(output), c.In(x), c.Out("ll", sampleRows), c.Out("dOutput", sampleRows * 2 * s.Pixels),
                s.Rows, s.Pixels, s.Samples, 1f / sampleRows, -6f);
        }))).ToList());

    private static KernelCheck ElboRows() => new("ElboRows", "ElboRows",
        new (string Label, int Rows, int Samples)[] { ("37 rows S=1", 37, 1), ("37 rows S=3", 37, 3), ("single row S=1", 1, 1) }
        .Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Rows * 3 + s.Samples);
            var ll = v.Normal((long)s.Rows * s.Samples, 30f, -100f);
            var kl = v.Normal(s.Rows, 2f, 5f);
            c.Kernels.ElboRows(c.In(ll), c.In(kl), c.Out("elbo", s.Rows), s.Rows, s.Samples);
        }))).ToList());

    private static KernelCheck SumRows() => new("SumRows", "SumRows",
        new[] { 0, 1, 31, 32, 33, 100, 1000 }.Select(n => ($"{n} values", (Action<CheckSession>)(c =>
        {
            var v = new TestValues(n + 5);
            // Mixed magnitudes, so that any other order of the additions gives other bits.
            var values = v.Normal(n, 50f, -100f);
            for (int i = 0; i < n; i += 7) values[i] *= 1e5f;
            for (int i = 3; i < n; i += 7) values[i] *= 1e-5f;
            c.Kernels.SumRows(c.In(values), c.Out("sum", 1), n);
        })))
        .Append(("negative zeros", (Action<CheckSession>)(c =>
            c.Kernels.SumRows(c.In(Enumerable.Repeat(-0f, 5).ToArray()), c.Out("sum", 1), 5))))
        .ToList());

    private static KernelCheck SumRowsInParts() => new("SumRows/parts", "SumRows",
        Partitions.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var parts = new BatchParts(s.Batch, s.Count, s.First, s.Length, s.Samples, s.Apart ? 2 : 0);
            var v = new TestValues(s.Batch * 17 + s.First + s.Samples);
            var values = v.Normal(parts.Rows, 50f, -100f);
            for (int i = 0; i < values.Length; i += 7) values[i] *= 1e5f;
            c.Kernels.SumRows(c.In(values), c.Out("sums", parts.OutputSpan(1)), parts.Rows, parts);
        }))).ToList());

    private static KernelCheck Optimizer(OptimizerKind kind) => new($"OptimizerUpdate/{Lower(kind)}", "OptimizerUpdate",
        new (string Label, int Count, string Data)[] { ("random 1017", 1017, "random"), ("zeros 40", 40, "zeros"), ("single", 1, "random") }
        .Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Count * 5 + (int)kind);
            bool zeros = s.Data == "zeros";
            var theta = zeros ? TestValues.SignedZeros(s.Count) : v.Normal(s.Count, 0.1f);
            var g = zeros ? TestValues.SignedZeros(s.Count) : v.Normal(s.Count, 0.01f);
            // Slot 0 is a sum of squares except for Adam's m and SGD's velocity, which take any sign.
            var s0 = zeros ? new float[s.Count]
                : kind is OptimizerKind.Adam or OptimizerKind.SgdMomentum ? v.Normal(s.Count, 1e-3f) : v.Uniform(s.Count, 0f, 1e-3f);
            var s1 = zeros ? new float[s.Count] : v.Uniform(s.Count, 0f, 1e-5f);
            float beta1 = kind == OptimizerKind.Adam ? 0.9f : kind == OptimizerKind.Adagrad ? 0f : 0.9f;
            float beta2 = 0.999f;
            var scalars = OptimizerScalars.ForStep(kind, kind is OptimizerKind.Adagrad or OptimizerKind.SgdMomentum ? 0.01f : 0.001f,
                1e-3f, 1e-8f, beta1, beta2, beta1 * beta1 * beta1, beta2 * beta2 * beta2);
            var p = c.Out("theta", theta);
            var st0 = c.Out("state0", s0);
            var st1 = kind == OptimizerKind.Adam ? c.Out("state1", s1) : st0;
            c.Kernels.OptimizerUpdate(p, c.In(g), st0, st1, s.Count, scalars);
        }))).ToList());

    private static KernelCheck Gather(Binarization binarization) => new($"GatherBatch/{Lower(binarization)}", "GatherBatch",
        new (string Label, int Images, int Pixels, int First, int Rows)[]
        {
            ("17 of 50 images of 33 pixels", 50, 33, 5, 17),
            ("3 images of 784 pixels", 4, 784, 1, 3),
            ("single row", 2, 9, 0, 1),
        }.Select(s => (s.Label, (Action<CheckSession>)(c =>
        {
            var v = new TestValues(s.Images * 3 + s.Pixels);
            var data = v.Bytes((long)s.Images * s.Pixels);
            var indices = v.Permutation(s.Images);
            var key = new RandomKey(42, RandomStream.Binarize, 7);
            c.Kernels.GatherBatch(c.In(data), c.In(indices), c.Out("x", (long)s.Rows * s.Pixels), s.First, s.Rows, s.Pixels, binarization, key);
        }))).ToList());
}

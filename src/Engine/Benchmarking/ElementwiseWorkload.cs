using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Benchmarking;

/// <summary>
/// The memory-bound and row-wise kernels of a training step (and the Gaussian decoder's, Adam's and the
/// importance-sampling estimate's), as the suites name them.
/// </summary>
internal enum ElementwiseKernel
{
    /// <summary>ε from Philox + Box–Muller and z = μ + σε.</summary>
    SampleLatent,
    /// <summary>Analytic KL per datapoint.</summary>
    GaussianKl,
    /// <summary>Gradient through the reparameterization and the KL.</summary>
    LatentBackward,
    /// <summary>Bernoulli log-likelihood per row and its gradient.</summary>
    BernoulliLogLikelihood,
    /// <summary>Gaussian log-likelihood per row and its gradients.</summary>
    GaussianLogLikelihood,
    /// <summary>Per-datapoint ELBO from the log-likelihood and KL rows.</summary>
    ElboRows,
    /// <summary>The 32-lane sum of the batch's per-datapoint ELBOs.</summary>
    SumRows,
    /// <summary>Adagrad (the paper's optimizer) over every parameter of the paper's model.</summary>
    AdagradUpdate,
    /// <summary>Adam over every parameter of the paper's model.</summary>
    AdamUpdate,
    /// <summary>Minibatch gather from bytes with grey levels.</summary>
    GatherBatch,
    /// <summary>Importance log-weights of one sample per datapoint (`eval`'s log p(x) estimate).</summary>
    ImportanceLogWeights,
    /// <summary>Log-mean-exp over K = <see cref="PaperShapes.ImportanceSamples"/> log-weights per datapoint (`eval`'s log p(x) estimate).</summary>
    LogMeanExp,
}

/// <summary>
/// Inputs for timing the memory-bound and row-wise kernels at the paper model's sizes (784 pixels, 20
/// latent units, its 815,824 parameters, the K = 5000 importance samples of `eval`) for one batch size: random values on the host and on an
/// accelerator, and what each kernel writes. One place builds them, and counts each kernel's memory
/// traffic, for both the BenchmarkDotNet suites (bench/ElementwiseBenchmarks.cs, which also run the
/// scalar baseline on the host copies) and `ilgpuvae bench --kernels`.
/// </summary>
internal sealed class ElementwiseWorkload : IDisposable
{
    /// <summary>Images in the dataset that <see cref="ElementwiseKernel.GatherBatch"/> gathers from (at least one batch).</summary>
    private const int MinimumDatasetImages = 10_000;

    private readonly Accelerator _accelerator;
    private readonly DeviceBuffer<float> _e, _eps, _z, _dz, _de, _logits, _gauss, _x, _ll, _grad, _ggrad, _kl, _elbo, _sum, _p, _g, _s0, _s1, _w, _lw, _lme;
    private readonly DeviceBuffer<byte> _data;
    private readonly DeviceBuffer<int> _indices;
    private readonly BatchParts _parts;

    public ElementwiseWorkload(Accelerator accelerator, int rows)
    {
        _accelerator = accelerator;
        Rows = rows;
        _parts = GemmWorkload.TrainingParts(rows);
        var random = new Random(1);
        float[] Host(long n, double scale)
        {
            var a = new float[n];
            for (long i = 0; i < n; i++) a[i] = (float)((random.NextDouble() - 0.5) * scale);
            return a;
        }
        HostEncoderOut = Host(rows * 2L * Latent, 2);
        HostEpsilon = Host(rows * (long)Latent, 2);
        HostZ = Host(rows * (long)Latent, 2);
        HostZGradient = Host(rows * (long)Latent, 0.1);
        HostLogits = Host(rows * (long)Pixels, 10);
        HostGaussianOutput = Host(rows * 2L * Pixels, 4);
        HostX = new float[rows * (long)Pixels];
        for (long i = 0; i < HostX.Length; i++) HostX[i] = random.Next(256) / 255f;
        HostLogLikelihood = Host(rows, 100);
        HostKl = Host(rows, 10);
        HostLogWeights = Host(rows * (long)ImportanceSamples, 60);
        HostParameters = Host(Parameters, 0.02);
        HostGradients = Host(Parameters, 0.01);
        HostState0 = new float[Parameters];
        HostState1 = new float[Parameters];
        int images = Math.Max(MinimumDatasetImages, rows);
        HostData = new byte[images * (long)Pixels];
        random.NextBytes(HostData);
        // A fixed scattered order (7919 is prime), so the gather reads images the way a shuffled epoch does.
        HostIndices = Enumerable.Range(0, images).Select(i => (int)(i * 7919L % images)).ToArray();

        _e = accelerator.Upload<float>(HostEncoderOut);
        _eps = accelerator.Upload<float>(HostEpsilon);
        _z = accelerator.Upload<float>(HostZ);
        _dz = accelerator.Upload<float>(HostZGradient);
        _de = accelerator.Allocate<float>(rows * 2L * Latent);
        _logits = accelerator.Upload<float>(HostLogits);
        _gauss = accelerator.Upload<float>(HostGaussianOutput);
        _x = accelerator.Upload<float>(HostX);
        _ll = accelerator.Upload<float>(HostLogLikelihood);
        _kl = accelerator.Upload<float>(HostKl);
        _grad = accelerator.Allocate<float>(rows * (long)Pixels);
        _ggrad = accelerator.Allocate<float>(rows * 2L * Pixels);
        _elbo = accelerator.Allocate<float>(rows);
        _sum = accelerator.Allocate<float>(1);
        _w = accelerator.Allocate<float>(rows);
        _lw = accelerator.Upload<float>(HostLogWeights);
        _lme = accelerator.Allocate<float>(rows);
        _p = accelerator.Upload<float>(HostParameters);
        _g = accelerator.Upload<float>(HostGradients);
        _s0 = accelerator.Upload<float>(HostState0);
        _s1 = accelerator.Upload<float>(HostState1);
        _data = accelerator.Upload<byte>(HostData);
        _indices = accelerator.Upload<int>(HostIndices);
    }

    /// <summary>Pixels per image (784).</summary>
    public static int Pixels => PaperShapes.Pixels;

    /// <summary>Latent units (20).</summary>
    public static int Latent => PaperShapes.Latent;

    /// <summary>Parameters updated by the optimizer kernels (815,824).</summary>
    public static int Parameters => PaperShapes.Parameters;

    /// <summary>Log-weights per datapoint that <see cref="ElementwiseKernel.LogMeanExp"/> reduces (K = 5000).</summary>
    public static int ImportanceSamples => PaperShapes.ImportanceSamples;

    /// <summary>The Philox key of the sampling and gather kernels.</summary>
    public static RandomKey Key { get; } = new(7, RandomStream.TrainNoise, 3);

    /// <summary>Minibatch rows.</summary>
    public int Rows { get; }

    public float[] HostEncoderOut { get; }
    public float[] HostEpsilon { get; }
    public float[] HostZ { get; }
    public float[] HostZGradient { get; }
    public float[] HostLogits { get; }
    public float[] HostGaussianOutput { get; }
    public float[] HostX { get; }
    public float[] HostLogLikelihood { get; }
    public float[] HostKl { get; }
    public float[] HostLogWeights { get; }
    public float[] HostParameters { get; }
    public float[] HostGradients { get; }
    public float[] HostState0 { get; }
    public float[] HostState1 { get; }
    public byte[] HostData { get; }
    public int[] HostIndices { get; }

    /// <summary>
    /// The optimizer scalars of the update kernels. A tiny learning rate keeps the parameters in range
    /// across the many launches of a benchmark.
    /// </summary>
    public static OptimizerScalars UpdateScalars(OptimizerKind kind) =>
        OptimizerScalars.ForStep(kind, 1e-9f, 0f, 1e-8f, 0.9f, 0.999f, 0.9f, 0.999f);

    /// <summary>Queues one launch of <paramref name="kernel"/>; does not wait.</summary>
    public void Launch(ElementwiseKernel kernel)
    {
        var k = _accelerator.Kernels;
        switch (kernel)
        {
            case ElementwiseKernel.SampleLatent: k.SampleLatent(_e, _eps, _z, Rows, Latent, 1, 0, Key); break;
            case ElementwiseKernel.GaussianKl: k.GaussianKl(_e, _eps, _z, _kl, Rows, Latent, 1, KlEstimator.Analytic); break;
            case ElementwiseKernel.LatentBackward: k.LatentBackward(_e, _eps, _z, _dz, _de, Rows, Latent, 1, 0.01f, KlEstimator.Analytic); break;
            case ElementwiseKernel.BernoulliLogLikelihood: k.BernoulliLogLikelihood(_logits, _x, _ll, _grad, Rows, Pixels, 1, 0.01f); break;
            case ElementwiseKernel.GaussianLogLikelihood: k.GaussianLogLikelihood(_gauss, _x, _ll, _ggrad, Rows, Pixels, 1, 0.01f, -6f); break;
            case ElementwiseKernel.ElboRows: k.ElboRows(_ll, _kl, _elbo, Rows, 1); break;
            case ElementwiseKernel.SumRows: k.SumRows(_ll, _sum, Rows, _parts); break;
            case ElementwiseKernel.AdagradUpdate: k.OptimizerUpdate(_p, _g, _s0, _s1, Parameters, UpdateScalars(OptimizerKind.Adagrad)); break;
            case ElementwiseKernel.AdamUpdate: k.OptimizerUpdate(_p, _g, _s0, _s1, Parameters, UpdateScalars(OptimizerKind.Adam)); break;
            case ElementwiseKernel.GatherBatch: k.GatherBatch(_data, _indices, _x, 0, Rows, Pixels, Binarization.None, Key); break;
            case ElementwiseKernel.ImportanceLogWeights: k.ImportanceLogWeights(_e, _eps, _z, _ll, _w, Rows, Latent, 1); break;
            case ElementwiseKernel.LogMeanExp: k.LogMeanExp(_lw, _lme, Rows, ImportanceSamples); break;
            default: throw new ArgumentOutOfRangeException(nameof(kernel), kernel, null);
        }
    }

    /// <summary>The compulsory memory traffic of one call of <paramref name="kernel"/> in bytes: what it must read and write once.</summary>
    public double Bytes(ElementwiseKernel kernel) => Bytes(kernel, Rows);

    /// <summary>
    /// <see cref="Bytes(ElementwiseKernel)"/> for <paramref name="rows"/> minibatch rows, without a workload: the
    /// BenchmarkDotNet host computes its GB/s column from the parameters alone (the measured instance lives in another process).
    /// </summary>
    public static double Bytes(ElementwiseKernel kernel, int rows) => kernel switch
    {
        ElementwiseKernel.SampleLatent => 4.0 * rows * Latent * 4,                 // read μ, log σ²; write ε, z
        ElementwiseKernel.GaussianKl => 4.0 * rows * (2 * Latent + 1),             // read μ, log σ²; write kl
        ElementwiseKernel.LatentBackward => 4.0 * rows * Latent * 7,               // read e(2), ε, z, dz; write dE(2)
        ElementwiseKernel.BernoulliLogLikelihood => 4.0 * rows * (3 * Pixels + 1), // read logits, x; write gradient, ll
        ElementwiseKernel.GaussianLogLikelihood => 4.0 * rows * (5 * Pixels + 1),  // read output(2), x; write gradients(2), ll
        ElementwiseKernel.ElboRows => 4.0 * rows * 3,                              // read ll, kl; write elbo
        ElementwiseKernel.SumRows => 4.0 * (rows + 1),                             // read the rows; write the sum
        ElementwiseKernel.AdagradUpdate => 4.0 * Parameters * 5,                   // read θ, g, h; write θ, h
        ElementwiseKernel.AdamUpdate => 4.0 * Parameters * 7,                      // read θ, g, m, v; write θ, m, v
        ElementwiseKernel.GatherBatch => (1.0 + 4.0) * rows * Pixels,              // read bytes; write floats
        ElementwiseKernel.ImportanceLogWeights => 4.0 * rows * (4 * Latent + 2),   // read e(2), ε, z, ll; write w
        ElementwiseKernel.LogMeanExp => 4.0 * rows * (ImportanceSamples + 1),      // read the log-weights once; write the estimate
        _ => throw new ArgumentOutOfRangeException(nameof(kernel), kernel, null),
    };

    public void Dispose()
    {
        foreach (var buffer in new[] { _e, _eps, _z, _dz, _de, _logits, _gauss, _x, _ll, _grad, _ggrad, _kl, _elbo, _sum, _p, _g, _s0, _s1, _w, _lw, _lme }) buffer.Dispose();
        _data.Dispose();
        _indices.Dispose();
    }
}

using BenchmarkDotNet.Attributes;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Kernels;

namespace IlgpuVae.Bench;

/// <summary>
/// The memory-bound and row-wise kernels at the paper model's shapes (784 pixels, 20 latent units,
/// 815,824 parameters), batch 100 and 1024, on every backend against the two CPU baselines. Their
/// throughput is given in GB/s of compulsory traffic.
/// </summary>
[Config(typeof(BenchConfig))]
public class ElementwiseBenchmarks : IWorkCount
{
    private const int Pixels = 784, Latent = 20, Parameters = 815_824, DatasetImages = 10_000;
    private Accelerator _acc = null!;
    private DeviceBuffer<float> _e = null!, _eps = null!, _z = null!, _dz = null!, _de = null!, _logits = null!, _gauss = null!, _x = null!,
        _ll = null!, _grad = null!, _ggrad = null!, _kl = null!, _elbo = null!, _sum = null!, _p = null!, _g = null!, _s0 = null!, _s1 = null!;
    private DeviceBuffer<byte> _data = null!;
    private DeviceBuffer<int> _indices = null!;
    private float[] _he = [], _heps = [], _hz = [], _hdz = [], _hlogits = [], _hgauss = [], _hx = [], _hll = [], _hkl = [], _hp = [], _hg = [], _hs0 = [], _hs1 = [];
    private byte[] _hdata = [];
    private int[] _hindices = [];
    private readonly RandomKey _key = new(7, RandomStream.TrainNoise, 3);

    /// <summary>scalar, cpu, opencl, cuda (those usable here).</summary>
    [ParamsSource(nameof(BackendNames))] public string Backend { get; set; } = "cpu";
    /// <summary>Backends available on this machine.</summary>
    public static IEnumerable<string> BackendNames => Backends.Available();

    /// <summary>Minibatch rows.</summary>
    [Params(100, 1024)] public int Rows { get; set; } = 100;

    [GlobalSetup]
    public void Setup()
    {
        _acc = Backends.Create(Backend);
        var random = new Random(1);
        float[] Host(long n, double scale) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)((random.NextDouble() - 0.5) * scale); return a; }
        DeviceBuffer<float> Up(float[] a) => _acc.Upload<float>(a);
        _he = Host(Rows * 2 * Latent, 2); _heps = Host(Rows * Latent, 2); _hz = Host(Rows * Latent, 2); _hdz = Host(Rows * Latent, 0.1);
        _hlogits = Host(Rows * Pixels, 10); _hgauss = Host(Rows * 2 * Pixels, 4);
        _hx = new float[Rows * Pixels]; for (int i = 0; i < _hx.Length; i++) _hx[i] = random.Next(256) / 255f;
        _hll = Host(Rows, 100); _hkl = Host(Rows, 10);
        _hp = Host(Parameters, 0.02); _hg = Host(Parameters, 0.01); _hs0 = new float[Parameters]; _hs1 = new float[Parameters];
        _hdata = new byte[DatasetImages * Pixels]; random.NextBytes(_hdata);
        _hindices = Enumerable.Range(0, DatasetImages).Select(i => (i * 7919) % DatasetImages).ToArray();
        _e = Up(_he); _eps = Up(_heps); _z = Up(_hz); _dz = Up(_hdz); _de = _acc.Allocate<float>(Rows * 2 * Latent);
        _logits = Up(_hlogits); _gauss = Up(_hgauss); _x = Up(_hx); _ll = Up(_hll); _kl = Up(_hkl);
        _grad = _acc.Allocate<float>(Rows * Pixels); _ggrad = _acc.Allocate<float>(Rows * 2 * Pixels);
        _elbo = _acc.Allocate<float>(Rows); _sum = _acc.Allocate<float>(1);
        _p = Up(_hp); _g = Up(_hg); _s0 = Up(_hs0); _s1 = Up(_hs1);
        _data = _acc.Upload<byte>(_hdata); _indices = _acc.Upload<int>(_hindices);
    }

    private bool Scalar => Backend == Backends.Scalar;

    private void Sync() => _acc.Synchronize();

    /// <summary>ε from Philox + Box–Muller and z = μ + σε.</summary>
    [Benchmark] public void SampleLatent() { if (Scalar) { ContractKernels.SampleLatent(_he, Rows, Latent, 1, 0, _key); return; } _acc.Kernels.SampleLatent(_e, _eps, _z, Rows, Latent, 1, 0, _key); Sync(); }

    /// <summary>Analytic KL per datapoint.</summary>
    [Benchmark] public void GaussianKl() { if (Scalar) { ContractKernels.Kl(_he, _heps, _hz, Rows, Latent, 1, KlEstimator.Analytic); return; } _acc.Kernels.GaussianKl(_e, _eps, _z, _kl, Rows, Latent, 1, KlEstimator.Analytic); Sync(); }

    /// <summary>Gradient through the reparameterization and the KL.</summary>
    [Benchmark] public void LatentBackward() { if (Scalar) { ContractKernels.LatentBackward(_he, _heps, _hz, _hdz, Rows, Latent, 1, 0.01f, KlEstimator.Analytic); return; } _acc.Kernels.LatentBackward(_e, _eps, _z, _dz, _de, Rows, Latent, 1, 0.01f, KlEstimator.Analytic); Sync(); }

    /// <summary>Bernoulli log-likelihood per row and its gradient.</summary>
    [Benchmark] public void BernoulliLogLikelihood() { if (Scalar) { ContractKernels.Bernoulli(_hlogits, _hx, Rows, Pixels, 1, 0.01f); return; } _acc.Kernels.BernoulliLogLikelihood(_logits, _x, _ll, _grad, Rows, Pixels, 1, 0.01f); Sync(); }

    /// <summary>Gaussian log-likelihood per row and its gradients.</summary>
    [Benchmark] public void GaussianLogLikelihood() { if (Scalar) { ContractKernels.Gaussian(_hgauss, _hx, Rows, Pixels, 1, 0.01f, -6f); return; } _acc.Kernels.GaussianLogLikelihood(_gauss, _x, _ll, _ggrad, Rows, Pixels, 1, 0.01f, -6f); Sync(); }

    /// <summary>Per-datapoint ELBO and the batch sum.</summary>
    [Benchmark] public void ElboRowsAndSum()
    {
        if (Scalar) { var elbo = ContractKernels.ElboRows(_hll, _hkl, Rows, 1); ContractKernels.RowSum32(elbo); return; }
        _acc.Kernels.ElboRows(_ll, _kl, _elbo, Rows, 1);
        _acc.Kernels.SumRows(_elbo, _sum, Rows);
        Sync();
    }

    /// <summary>Adagrad over every parameter of the paper's model.</summary>
    [Benchmark] public void AdagradUpdate() => Optimizer(OptimizerKind.Adagrad);

    /// <summary>Adam over every parameter of the paper's model.</summary>
    [Benchmark] public void AdamUpdate() => Optimizer(OptimizerKind.Adam);

    private void Optimizer(OptimizerKind kind)
    {
        // A tiny learning rate keeps the parameters in range across the benchmark's many invocations.
        var s = OptimizerScalars.ForStep(kind, 1e-9f, 0f, 1e-8f, 0.9f, 0.999f, 0.9f, 0.999f);
        if (Scalar) { ContractKernels.OptimizerUpdate(_hp, _hg, _hs0, _hs1, s); return; }
        _acc.Kernels.OptimizerUpdate(_p, _g, _s0, _s1, Parameters, s);
        Sync();
    }

    /// <summary>Minibatch gather from bytes with grey levels.</summary>
    [Benchmark] public void GatherBatch() { if (Scalar) { ContractKernels.Gather(_hdata, _hindices, 0, Rows, Pixels, Binarization.None, _key); return; } _acc.Kernels.GatherBatch(_data, _indices, _x, 0, Rows, Pixels, Binarization.None, _key); Sync(); }

    /// <inheritdoc />
    public double Flops(string method) => 0;

    /// <inheritdoc />
    public double Bytes(string method) => method switch
    {
        nameof(SampleLatent) => 4.0 * Rows * Latent * 4,                 // read μ, log σ²; write ε, z
        nameof(GaussianKl) => 4.0 * Rows * (2 * Latent + 1),
        nameof(LatentBackward) => 4.0 * Rows * Latent * 7,               // read e(2), ε, z, dz; write dE(2)
        nameof(BernoulliLogLikelihood) => 4.0 * Rows * (3 * Pixels + 1), // read logits, x; write gradient, ll
        nameof(GaussianLogLikelihood) => 4.0 * Rows * (5 * Pixels + 1),
        nameof(ElboRowsAndSum) => 4.0 * Rows * 3,
        nameof(AdagradUpdate) => 4.0 * Parameters * 5,                   // read θ, g, h; write θ, h
        nameof(AdamUpdate) => 4.0 * Parameters * 7,
        nameof(GatherBatch) => (1.0 + 4.0) * Rows * Pixels,
        _ => 0,
    };

    [GlobalCleanup]
    public void Cleanup() => _acc?.Dispose();
}

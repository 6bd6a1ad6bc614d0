using BenchmarkDotNet.Attributes;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Kernels;

namespace IlgpuVae.Bench;

/// <summary>
/// The memory-bound and row-wise kernels at the paper model's shapes (784 pixels, 20 latent units,
/// 815,824 parameters, K = 5000 importance samples), batch 100 and 1024, on every backend against the two CPU baselines. Their
/// throughput is given in GB/s of compulsory traffic. The inputs and the traffic counts are the
/// engine's <see cref="ElementwiseWorkload"/>, the same that `ilgpuvae bench --kernels` uses.
/// </summary>
[Config(typeof(BenchConfig))]
public class ElementwiseBenchmarks : IWorkCount
{
    private static int Pixels => ElementwiseWorkload.Pixels;
    private static int Latent => ElementwiseWorkload.Latent;
    private Accelerator _acc = null!;
    private ElementwiseWorkload _work = null!;

    /// <summary>scalar, cpu, opencl, cuda (those usable here), ilgpu-cpu when named (see <see cref="Backends"/>).</summary>
    [ParamsSource(nameof(BackendNames))] public string Backend { get; set; } = "cpu";
    /// <summary>Backends available on this machine.</summary>
    public static IEnumerable<string> BackendNames => Backends.Available();

    /// <summary>Minibatch rows.</summary>
    [Params(100, 1024)] public int Rows { get; set; } = 100;

    [GlobalSetup]
    public void Setup()
    {
        _acc = Backends.Create(Backend);
        _work = new ElementwiseWorkload(_acc, Rows);
    }

    private bool Scalar => Backend == Backends.Scalar;

    private void Device(ElementwiseKernel kernel)
    {
        _work.Launch(kernel);
        _acc.Synchronize();
    }

    /// <summary>ε from Philox + Box–Muller and z = μ + σε.</summary>
    [Benchmark] public void SampleLatent() { if (Scalar) { ContractKernels.SampleLatent(_work.HostEncoderOut, Rows, Latent, 1, 0, ElementwiseWorkload.Key); return; } Device(ElementwiseKernel.SampleLatent); }

    /// <summary>Analytic KL per datapoint.</summary>
    [Benchmark] public void GaussianKl() { if (Scalar) { ContractKernels.Kl(_work.HostEncoderOut, _work.HostEpsilon, _work.HostZ, Rows, Latent, 1, KlEstimator.Analytic); return; } Device(ElementwiseKernel.GaussianKl); }

    /// <summary>Gradient through the reparameterization and the KL.</summary>
    [Benchmark] public void LatentBackward() { if (Scalar) { ContractKernels.LatentBackward(_work.HostEncoderOut, _work.HostEpsilon, _work.HostZ, _work.HostZGradient, Rows, Latent, 1, 0.01f, KlEstimator.Analytic); return; } Device(ElementwiseKernel.LatentBackward); }

    /// <summary>Bernoulli log-likelihood per row and its gradient.</summary>
    [Benchmark] public void BernoulliLogLikelihood() { if (Scalar) { ContractKernels.Bernoulli(_work.HostLogits, _work.HostX, Rows, Pixels, 1, 0.01f); return; } Device(ElementwiseKernel.BernoulliLogLikelihood); }

    /// <summary>Gaussian log-likelihood per row and its gradients.</summary>
    [Benchmark] public void GaussianLogLikelihood() { if (Scalar) { ContractKernels.Gaussian(_work.HostGaussianOutput, _work.HostX, Rows, Pixels, 1, 0.01f, -6f); return; } Device(ElementwiseKernel.GaussianLogLikelihood); }

    /// <summary>Per-datapoint ELBO.</summary>
    [Benchmark] public void ElboRows() { if (Scalar) { ContractKernels.ElboRows(_work.HostLogLikelihood, _work.HostKl, Rows, 1); return; } Device(ElementwiseKernel.ElboRows); }

    /// <summary>The 32-lane sum of a batch's values.</summary>
    [Benchmark] public void SumRows() { if (Scalar) { ContractKernels.RowSum32(_work.HostLogLikelihood); return; } Device(ElementwiseKernel.SumRows); }

    /// <summary>Adagrad over every parameter of the paper's model.</summary>
    [Benchmark] public void AdagradUpdate() => Optimizer(OptimizerKind.Adagrad, ElementwiseKernel.AdagradUpdate);

    /// <summary>Adam over every parameter of the paper's model.</summary>
    [Benchmark] public void AdamUpdate() => Optimizer(OptimizerKind.Adam, ElementwiseKernel.AdamUpdate);

    private void Optimizer(OptimizerKind kind, ElementwiseKernel kernel)
    {
        if (Scalar) { ContractKernels.OptimizerUpdate(_work.HostParameters, _work.HostGradients, _work.HostState0, _work.HostState1, ElementwiseWorkload.UpdateScalars(kind)); return; }
        Device(kernel);
    }

    /// <summary>Minibatch gather from bytes with grey levels.</summary>
    [Benchmark] public void GatherBatch() { if (Scalar) { ContractKernels.Gather(_work.HostData, _work.HostIndices, 0, Rows, Pixels, Binarization.None, ElementwiseWorkload.Key); return; } Device(ElementwiseKernel.GatherBatch); }

    /// <summary>Importance log-weights of one sample per datapoint.</summary>
    [Benchmark]
    public void ImportanceLogWeights()
    {
        if (Scalar) { ContractKernels.ImportanceLogWeights(_work.HostEncoderOut, _work.HostEpsilon, _work.HostZ, _work.HostLogLikelihood, Rows, Latent, 1); return; }
        Device(ElementwiseKernel.ImportanceLogWeights);
    }

    /// <summary>Log-mean-exp over K = 5000 log-weights per datapoint.</summary>
    [Benchmark]
    public void LogMeanExp()
    {
        if (Scalar) { ContractKernels.LogMeanExp(_work.HostLogWeights, Rows, ElementwiseWorkload.ImportanceSamples); return; }
        Device(ElementwiseKernel.LogMeanExp);
    }

    /// <inheritdoc />
    public double Flops(string method) => 0;

    /// <inheritdoc />
    public double Bytes(string method) => Enum.TryParse<ElementwiseKernel>(method, out var kernel) ? ElementwiseWorkload.Bytes(kernel, Rows) : 0;

    [GlobalCleanup]
    public void Cleanup()
    {
        _work?.Dispose();
        _acc?.Dispose();
    }
}

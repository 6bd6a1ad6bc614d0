using BenchmarkDotNet.Attributes;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Kernels;

namespace IlgpuVae.Bench;

/// <summary>
/// The three GEMM-shaped kernels at the paper model's shapes (784↔500, 500→40 encoder head, 20→500
/// decoder input), batch 100 and 1024, on every backend against the two CPU baselines. The inputs are
/// the engine's <see cref="GemmWorkload"/>, the same that `ilgpuvae bench --kernels` times.
/// </summary>
[Config(typeof(BenchConfig))]
public class GemmBenchmarks : IWorkCount
{
    private Accelerator _acc = null!;
    private GemmWorkload _work = null!;

    /// <summary>scalar, cpu, opencl, cuda (those usable here), ilgpu-cpu when named (see <see cref="Backends"/>).</summary>
    [ParamsSource(nameof(BackendNames))] public string Backend { get; set; } = "cpu";
    /// <summary>Backends available on this machine.</summary>
    public static IEnumerable<string> BackendNames => Backends.Available();

    /// <summary>Minibatch rows.</summary>
    [Params(100, 1024)] public int Rows { get; set; } = 100;

    /// <summary>Layer shape, inputs×outputs.</summary>
    [Params("784x500", "500x784", "500x40", "20x500")] public string Shape { get; set; } = "784x500";

    private int Inputs => int.Parse(Shape.Split('x')[0]);
    private int Outputs => int.Parse(Shape.Split('x')[1]);

    private bool Scalar => Backend == Backends.Scalar;

    [GlobalSetup]
    public void Setup()
    {
        _acc = Backends.Create(Backend);
        _work = new GemmWorkload(_acc, Rows, Inputs, Outputs);
    }

    private void Device(GemmKernel kernel)
    {
        _work.Launch(kernel);
        _acc.Synchronize();
    }

    /// <summary>y = tanh(b + x·w).</summary>
    [Benchmark]
    public void LinearForward()
    {
        if (Scalar) { ContractKernels.LinearForward(_work.HostX, _work.HostW, _work.HostB, Rows, Inputs, Outputs, Activation.Tanh); return; }
        Device(GemmKernel.LinearForward);
    }

    /// <summary>dx = tanh′(x) ⊙ (dy·wᵀ).</summary>
    [Benchmark]
    public void LinearBackwardData()
    {
        if (Scalar) { ContractKernels.LinearBackwardData(_work.HostDy, _work.HostW, _work.HostX, Rows, Inputs, Outputs, Activation.Tanh); return; }
        Device(GemmKernel.LinearBackwardData);
    }

    /// <summary>dw = xᵀ·dy, db = Σ dy.</summary>
    [Benchmark]
    public void LinearBackwardWeights()
    {
        if (Scalar) { ContractKernels.LinearBackwardWeights(_work.HostX, _work.HostDy, Rows, Inputs, Outputs); return; }
        Device(GemmKernel.LinearBackwardWeights);
    }

    /// <inheritdoc />
    public double Flops(string method) => 2.0 * Rows * Inputs * Outputs; // from the parameters: the measured instance lives in another process

    /// <inheritdoc />
    public double Bytes(string method) => 0;

    [GlobalCleanup]
    public void Cleanup()
    {
        _work?.Dispose();
        _acc?.Dispose();
    }
}

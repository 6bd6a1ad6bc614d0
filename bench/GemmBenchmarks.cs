using BenchmarkDotNet.Attributes;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;
using IlgpuVae.Tests.Kernels;

namespace IlgpuVae.Bench;

/// <summary>
/// The three GEMM-shaped kernels at the paper model's shapes (784↔500, 500→40 encoder head, 20→500
/// decoder input), batch 100 and 1024, on every backend against the two CPU baselines.
/// </summary>
[Config(typeof(BenchConfig))]
public class GemmBenchmarks : IWorkCount
{
    private Accelerator _acc = null!;
    private DeviceBuffer<float> _x = null!, _w = null!, _b = null!, _y = null!, _dy = null!, _dx = null!, _dw = null!, _db = null!;
    private float[] _hx = [], _hw = [], _hb = [], _hdy = [];

    /// <summary>scalar, cpu, opencl, cuda (those usable here).</summary>
    [ParamsSource(nameof(BackendNames))] public string Backend { get; set; } = "cpu";
    /// <summary>Backends available on this machine.</summary>
    public static IEnumerable<string> BackendNames => Backends.Available();

    /// <summary>Minibatch rows.</summary>
    [Params(100, 1024)] public int Rows { get; set; } = 100;

    /// <summary>Layer shape, inputs×outputs.</summary>
    [Params("784x500", "500x784", "500x40", "20x500")] public string Shape { get; set; } = "784x500";

    private int Inputs => int.Parse(Shape.Split('x')[0]);
    private int Outputs => int.Parse(Shape.Split('x')[1]);

    [GlobalSetup]
    public void Setup()
    {
        _acc = Backends.Create(Backend);
        var random = new Random(1);
        float[] Host(long n) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(random.NextDouble() - 0.5) * 0.2f; return a; }
        _hx = Host((long)Rows * Inputs); _hw = Host((long)Inputs * Outputs); _hb = Host(Outputs); _hdy = Host((long)Rows * Outputs);
        _x = _acc.Upload<float>(_hx); _w = _acc.Upload<float>(_hw); _b = _acc.Upload<float>(_hb); _dy = _acc.Upload<float>(_hdy);
        _y = _acc.Allocate<float>((long)Rows * Outputs); _dx = _acc.Allocate<float>((long)Rows * Inputs);
        _dw = _acc.Allocate<float>((long)Inputs * Outputs); _db = _acc.Allocate<float>(Outputs);
    }

    /// <summary>y = tanh(b + x·w).</summary>
    [Benchmark]
    public void LinearForward()
    {
        if (Backend == Backends.Scalar) { ContractKernels.LinearForward(_hx, _hw, _hb, Rows, Inputs, Outputs, Activation.Tanh); return; }
        _acc.Kernels.LinearForward(_x, _w, _b, _y, Rows, Inputs, Outputs, Activation.Tanh);
        _acc.Synchronize();
    }

    /// <summary>dx = tanh′(x) ⊙ (dy·wᵀ).</summary>
    [Benchmark]
    public void LinearBackwardData()
    {
        if (Backend == Backends.Scalar) { ContractKernels.LinearBackwardData(_hdy, _hw, _hx, Rows, Inputs, Outputs, Activation.Tanh); return; }
        _acc.Kernels.LinearBackwardData(_dy, _w, _x, _dx, Rows, Inputs, Outputs, Activation.Tanh);
        _acc.Synchronize();
    }

    /// <summary>dw = xᵀ·dy, db = Σ dy.</summary>
    [Benchmark]
    public void LinearBackwardWeights()
    {
        if (Backend == Backends.Scalar) { ContractKernels.LinearBackwardWeights(_hx, _hdy, Rows, Inputs, Outputs); return; }
        _acc.Kernels.LinearBackwardWeights(_x, _dy, _dw, _db, Rows, Inputs, Outputs);
        _acc.Synchronize();
    }

    /// <inheritdoc />
    public double Flops(string method) => 2.0 * Rows * Inputs * Outputs;

    /// <inheritdoc />
    public double Bytes(string method) => 0;

    [GlobalCleanup]
    public void Cleanup() => _acc?.Dispose();
}

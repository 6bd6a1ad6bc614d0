using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Kernels;

namespace IlgpuVae.Bench;

/// <summary>
/// The three GEMM-shaped kernels at the paper model's shapes on the CPU accelerator (all cores):
/// batch 100 and 1024, the 784↔500 layers and the 500→40 encoder head.
/// </summary>
[Config(typeof(Config))]
public class LinearKernelBenchmarks : IFlopCount, IDisposable
{
    private sealed class Config : ManualConfig
    {
        public Config()
        {
            AddColumn(new GflopsColumn());
            WithOptions(ConfigOptions.DisableOptimizationsValidator);
        }
    }

    private CpuAccelerator _cpu = null!;
    private DeviceBuffer<float> _x = null!, _w = null!, _b = null!, _y = null!, _dy = null!, _dx = null!, _dw = null!, _db = null!;

    /// <summary>Minibatch rows.</summary>
    [Params(100, 1024)] public int Rows { get; set; }

    /// <summary>Layer shape as inputs×outputs.</summary>
    [Params("784x500", "500x784", "500x40")] public string Shape { get; set; } = "784x500";

    private int Inputs => int.Parse(Shape.Split('x')[0]);
    private int Outputs => int.Parse(Shape.Split('x')[1]);

    [GlobalSetup]
    public void Setup()
    {
        _cpu = new CpuAccelerator();
        var random = new Random(1);
        DeviceBuffer<float> New(long n) { var a = new float[n]; for (long i = 0; i < n; i++) a[i] = (float)(random.NextDouble() - 0.5) * 0.1f; return _cpu.Upload<float>(a); }
        _x = New((long)Rows * Inputs); _w = New((long)Inputs * Outputs); _b = New(Outputs); _y = New((long)Rows * Outputs);
        _dy = New((long)Rows * Outputs); _dx = New((long)Rows * Inputs); _dw = New((long)Inputs * Outputs); _db = New(Outputs);
    }

    /// <summary>y = tanh(b + x·w).</summary>
    [Benchmark] public void ForwardTanh() => _cpu.Kernels.LinearForward(_x, _w, _b, _y, Rows, Inputs, Outputs, Activation.Tanh);

    /// <summary>dx = tanh′(x) ⊙ (dy·wᵀ).</summary>
    [Benchmark] public void BackwardData() => _cpu.Kernels.LinearBackwardData(_dy, _w, _x, _dx, Rows, Inputs, Outputs, Activation.Tanh);

    /// <summary>dw = xᵀ·dy, db = Σ dy.</summary>
    [Benchmark] public void BackwardWeights() => _cpu.Kernels.LinearBackwardWeights(_x, _dy, _dw, _db, Rows, Inputs, Outputs);

    /// <inheritdoc />
    public double Flops(string method) => 2.0 * Rows * Inputs * Outputs;

    [GlobalCleanup]
    public void Dispose() => _cpu?.Dispose();
}

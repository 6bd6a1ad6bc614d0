using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Benchmarking;

/// <summary>The three GEMM-shaped kernels, named as <see cref="IKernels"/> names them.</summary>
internal enum GemmKernel
{
    /// <summary>y = tanh(b + x·w).</summary>
    LinearForward,
    /// <summary>dx = tanh′(x) ⊙ (dy·wᵀ).</summary>
    LinearBackwardData,
    /// <summary>dw = xᵀ·dy, db = Σ dy.</summary>
    LinearBackwardWeights,
}

/// <summary>
/// Inputs for timing one layer's matrix kernels: random x, w, b and dy (uniform in ±0.1, fixed seed) on
/// the host and on an accelerator, and the output buffers. One place builds them for both the
/// BenchmarkDotNet suites (bench/GemmBenchmarks.cs, which also run the scalar baseline on the host
/// copies) and `ilgpuvae bench --kernels`.
/// </summary>
internal sealed class GemmWorkload : IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly DeviceBuffer<float> _x, _w, _b, _y, _dy, _dx, _dw, _db;
    private readonly BatchParts _parts;

    public GemmWorkload(Accelerator accelerator, int rows, int inputs, int outputs)
    {
        _accelerator = accelerator;
        Rows = rows;
        Inputs = inputs;
        Outputs = outputs;
        _parts = TrainingParts(rows);
        var random = new Random(1);
        float[] Host(long n)
        {
            var a = new float[n];
            for (long i = 0; i < n; i++) a[i] = (float)(random.NextDouble() - 0.5) * 0.2f;
            return a;
        }
        HostX = Host((long)rows * inputs);
        HostW = Host((long)inputs * outputs);
        HostB = Host(outputs);
        HostDy = Host((long)rows * outputs);
        _x = accelerator.Upload<float>(HostX);
        _w = accelerator.Upload<float>(HostW);
        _b = accelerator.Upload<float>(HostB);
        _dy = accelerator.Upload<float>(HostDy);
        _y = accelerator.Allocate<float>((long)rows * outputs);
        _dx = accelerator.Allocate<float>((long)rows * inputs);
        _dw = accelerator.Allocate<float>((long)inputs * outputs);
        _db = accelerator.Allocate<float>(outputs);
    }

    public int Rows { get; }
    public int Inputs { get; }
    public int Outputs { get; }
    public float[] HostX { get; }
    public float[] HostW { get; }
    public float[] HostB { get; }
    public float[] HostDy { get; }

    /// <summary>"784x500": inputs × outputs, as the suites and the bench command name a layer.</summary>
    public string Shape => $"{Inputs}x{Outputs}";

    /// <summary>Floating-point operations of one launch of any of the three: 2 per multiply-add (the bias and activation are not counted).</summary>
    public double Flops => 2.0 * Rows * Inputs * Outputs;

    /// <summary>Queues one launch of <paramref name="kernel"/> (tanh where there is an activation); does not wait.</summary>
    public void Launch(GemmKernel kernel)
    {
        var k = _accelerator.Kernels;
        switch (kernel)
        {
            case GemmKernel.LinearForward: k.LinearForward(_x, _w, _b, _y, Rows, Inputs, Outputs, Activation.Tanh); break;
            case GemmKernel.LinearBackwardData: k.LinearBackwardData(_dy, _w, _x, _dx, Rows, Inputs, Outputs, Activation.Tanh); break;
            // The minibatch parts a training step sums over by default: the kernel as training runs it.
            case GemmKernel.LinearBackwardWeights: k.LinearBackwardWeights(_x, _dy, _dw, _db, Rows, Inputs, Outputs, _parts); break;
            default: throw new ArgumentOutOfRangeException(nameof(kernel), kernel, null);
        }
    }

    /// <summary>The parts of a training step's minibatch sums at <paramref name="rows"/> datapoints (the default <see cref="Training.TrainingConfig.BatchParts"/>).</summary>
    internal static BatchParts TrainingParts(int rows) =>
        BatchParts.All(rows, new Training.TrainingConfig { BatchSize = rows }.EffectiveBatchParts);

    public void Dispose()
    {
        foreach (var buffer in new[] { _x, _w, _b, _y, _dy, _dx, _dw, _db }) buffer.Dispose();
    }
}

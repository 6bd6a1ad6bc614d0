using BenchmarkDotNet.Attributes;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Bench;

/// <summary>
/// A whole training epoch of the paper's setup (784-500-20, Adagrad, batch 100) on synthetic data of
/// MNIST's shape, on each accelerator. Steps is the epoch length: 600 is a full MNIST epoch; 1 is a
/// single step (with the epoch's shuffle upload, which is negligible).
/// </summary>
[Config(typeof(BenchConfig))]
public class TrainingBenchmarks : IWorkCount
{
    private Accelerator _acc = null!;
    private Trainer _trainer = null!;
    private readonly ModelConfig _model = new();

    /// <summary>cpu, opencl, cuda (those usable here), ilgpu-cpu when named (see <see cref="Backends"/>).</summary>
    [ParamsSource(nameof(BackendNames))] public string Backend { get; set; } = "cpu";
    /// <summary>Accelerators available on this machine.</summary>
    public static IEnumerable<string> BackendNames => Backends.Accelerators();

    /// <summary>Steps per measured epoch.</summary>
    [Params(1, 600)] public int Steps { get; set; } = 600;

    /// <summary>Minibatch size.</summary>
    [Params(100)] public int Batch { get; set; } = 100;

    [GlobalSetup]
    public void Setup()
    {
        _acc = Backends.Create(Backend);
        var bytes = new byte[(long)Steps * Batch * _model.InputSize];
        new Random(1).NextBytes(bytes);
        var images = new ImageSet(Steps * Batch, 28, 28, bytes);
        _trainer = new Trainer(_acc, _model, new TrainingConfig { BatchSize = Batch }, new Dataset("synthetic", images, images.Take(1), null, null));
    }

    /// <summary>One epoch of <see cref="Steps"/> training steps (no evaluation).</summary>
    [Benchmark] public void Epoch() => _trainer.TrainEpoch(evaluateTest: false);

    /// <inheritdoc />
    public double Flops(string method) => StepFlops.Of(_model, Batch) * Steps;

    /// <inheritdoc />
    public double Bytes(string method) => 0;

    [GlobalCleanup]
    public void Cleanup()
    {
        _trainer?.Dispose();
        _acc?.Dispose();
    }
}

using BenchmarkDotNet.Attributes;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Bench;

/// <summary>
/// What a checkpoint costs for the paper's model (784-500-20 with Adagrad: 815,824 parameters and as many
/// accumulators, a 6.5 MB file): the scan for non-finite values that every save runs first, a save
/// (temporary file, fsync, rename, folder fsync) and a load (checksum, header checks, arrays). The file
/// goes to a temporary folder, so the save's figure is that disk's fsync.
/// </summary>
[Config(typeof(BenchConfig))]
public class CheckpointBenchmarks : IWorkCount
{
    private TrainingState _state = null!;
    private string _folder = "";
    private string _file = "";

    [GlobalSetup]
    public void Setup()
    {
        var model = new ModelConfig();
        float[] parameters = ParameterInit.Create(model, 1);
        _state = new TrainingState
        {
            Model = model, Training = new TrainingConfig { LearningRate = 0.01f }, Step = 600, Epoch = 1,
            Parameters = parameters, OptimizerState0 = [.. parameters.Select(p => p * p)],
        };
        _folder = Directory.CreateTempSubdirectory("ilgpuvae-bench-ckpt-").FullName;
        _file = Path.Combine(_folder, "model.ckpt");
        CheckpointFile.Save(_file, _state);
    }

    /// <summary>The non-finite scan of parameters and optimizer state.</summary>
    [Benchmark] public string? Scan() => NonFiniteScan.Describe(_state);

    /// <summary>An atomic, durable save.</summary>
    [Benchmark] public void Save() => CheckpointFile.Save(_file, _state);

    /// <summary>A verified load.</summary>
    [Benchmark] public TrainingState Load() => CheckpointFile.Load(_file);

    /// <inheritdoc />
    public double Flops(string method) => 0;

    /// <inheritdoc />
    /// <remarks>The parameters and the Adagrad accumulators, 4 bytes each: what the scan reads and nearly all of the file (BenchmarkDotNet asks before any setup).</remarks>
    public double Bytes(string method) => 2.0 * PaperShapes.Parameters * sizeof(float);

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_folder, recursive: true);
}

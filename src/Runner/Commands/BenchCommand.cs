using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// `ilgpuvae bench`: a quick end-to-end training throughput figure (steps/s, samples/s, ms per step,
/// GFLOP/s of the matrix products) on synthetic data of MNIST's shape, without BenchmarkDotNet, so it
/// also runs from a self-contained bundle on a GPU node.
/// </summary>
internal static class BenchCommand
{
    public static Command Create(CliConsole console)
    {
        var shared = new SharedOptions();
        var batch = new Option<int>("--batch-size") { Description = "minibatch size M", DefaultValueFactory = _ => 100 };
        var steps = new Option<int>("--steps") { Description = "timed steps per repetition", DefaultValueFactory = _ => 200 };
        var repeats = new Option<int>("--repeats") { Description = "timed repetitions (the median is reported)", DefaultValueFactory = _ => 3 };
        var hidden = new Option<string>("--hidden") { Description = "encoder hidden sizes", DefaultValueFactory = _ => "500" };
        var latent = new Option<int>("--latent") { Description = "latent size", DefaultValueFactory = _ => 20 };
        var kernels = new Option<bool>("--kernels")
        {
            Description = "time each kernel of a training step on its own instead, in steady state (median time per launch, its spread, each device's speed-up " +
                "over the CPU), at the paper model's shapes and batch 100 and 1024 unless --batch-size is given: on the CPU baseline (the cpu accelerator) " +
                "and beside it every usable CUDA and OpenCL device, or with --accelerator opencl|cuda|ilgpu-cpu that family's device (--device N); " +
                "ilgpu-cpu only when named: at these shapes it takes tens of minutes",
        };
        var kernelIterations = new Option<int?>("--kernel-iterations")
        {
            Description = "with --kernels: launches per timed repetition (default: enough for 20 ms)",
        };
        var only = new Option<string?>("--only")
        {
            HelpName = "kernel,…",
            Description = "with --kernels: time only these kernels, comma-separated, in the order given (e.g. LinearForward,OptimizerUpdate; "
                + string.Join(", ", StepKernelCases.KernelNames) + ")",
        };
        var peak = new Option<bool>("--peak")
        {
            Description = "measure this CPU's FP32 FMA peak instead (GFLOP/s on one thread and on --threads threads, default one per core), the yardstick for the CPU's figures",
        };
        var json = JsonOutput.CreateOption();
        var command = new Command("bench", "Measure training throughput of the paper's model on synthetic 28×28 data, with --kernels the time of each kernel, or with --peak the CPU's FP32 FMA peak.")
            { batch, steps, repeats, hidden, latent, kernels, kernelIterations, only, peak, json };
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            int m = parse.GetValue(batch), n = parse.GetValue(steps), reps = parse.GetValue(repeats);
            if (reps < 1) throw new Engine.InputException($"--repeats must be positive, got {reps}");
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            if (parse.GetValue(peak))
            {
                foreach (var option in new Option[] { batch, steps, hidden, latent, kernels, kernelIterations, only, shared.Accelerator, shared.Device, shared.NoCudaGraphs })
                    if (Given(option)) throw new Engine.InputException($"{option.Name} does not apply to bench --peak, which measures the CPU's FMA units");
                return FmaPeakBench.Run(console, parse.GetValue(shared.Threads), reps, parse.GetValue(json));
            }
            if (parse.GetValue(kernels))
            {
                // The kernels are timed at the paper model's shapes only; an option that would change the
                // model or the step count is refused rather than silently ignored.
                foreach (var option in new Option[] { steps, hidden, latent })
                    if (Given(option)) throw new Engine.InputException($"{option.Name} does not apply to bench --kernels, which times the paper model's shapes");
                int? launches = parse.GetValue(kernelIterations);
                if (launches is < 1) throw new Engine.InputException($"--kernel-iterations must be positive, got {launches}");
                IReadOnlyList<int> batches = Given(batch) ? [m] : PaperShapes.Batches;
                foreach (int size in batches) new TrainingConfig { BatchSize = size }.Validate();
                var names = KernelBench.ParseKernelNames(parse.GetValue(only));
                return RunKernels(parse, shared, console, batches, reps, launches, names, parse.GetValue(json));
            }
            if (Given(kernelIterations)) throw new Engine.InputException("--kernel-iterations applies only with --kernels");
            if (Given(only)) throw new Engine.InputException("--only applies only with --kernels");
            if (n < 1) throw new Engine.InputException($"--steps must be positive, got {n}");
            var model = new ModelConfig { HiddenSizes = TrainCommand.ParseSizes(parse.GetValue(hidden)!), LatentSize = parse.GetValue(latent) };
            var training = new TrainingConfig { BatchSize = m, EvalBatchSize = m };
            model.Validate();
            training.Validate();
            var data = SyntheticData(model.InputSize, (long)m * n);
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var trainer = new Trainer(accelerator, model, training, data);
            // The bar is redrawn between repetitions only, so drawing it takes nothing from a timed one.
            var seconds = new ProgressDisplay(console).Run($"bench, batch {m}", reps + 1, "repetition", progress =>
            {
                trainer.TrainEpoch(evaluateTest: false); // warm-up: JIT, caches, device compilation
                progress(1, "warm-up done");
                var times = new List<double>();
                for (int r = 0; r < reps; r++)
                {
                    var clock = Stopwatch.StartNew();
                    trainer.TrainEpoch(evaluateTest: false);
                    times.Add(clock.Elapsed.TotalSeconds);
                    progress(r + 2, string.Create(CultureInfo.InvariantCulture, $"{1000 * times[^1] / n:F3} ms/step"));
                }
                return times;
            }, redrawBetweenReports: false);
            seconds.Sort();
            double median = seconds[seconds.Count / 2];
            double flops = StepFlops.Of(model, m) * n;
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console, new
                {
                    Accelerator = accelerator.Name, Model = model.Describe(), BatchSize = m, Steps = n, Repeats = reps,
                    StepsPerSecond = n / median, SamplesPerSecond = m * n / median, MsPerStep = 1000 * median / n,
                    GflopsPerSecond = flops / median / 1e9, Seconds = seconds, KernelSequences = accelerator.KernelSequenceSummary,
                });
                return ExitCodes.Success;
            }
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{accelerator.Name}: model {model.Describe()}, batch {m}, {n} steps x {reps}: " +
                $"{n / median:F1} steps/s, {m * n / median:F0} samples/s, {1000 * median / n:F3} ms/step, {flops / median / 1e9:F1} GFLOP/s " +
                $"(median; min {seconds[0]:F3} s, max {seconds[^1]:F3} s per {n} steps)"));
            if (accelerator.KernelSequenceSummary is string summary) console.Out.WriteLine(summary);
            return ExitCodes.Success;
        });
        return command;
    }

    private static int RunKernels(ParseResult parse, SharedOptions shared, CliConsole console, IReadOnlyList<int> batches, int repeats,
        int? launches, IReadOnlyList<string> kernels, bool json)
    {
        var kind = AcceleratorFactory.ParseKind(parse.GetValue(shared.Accelerator) ?? "auto");
        int? threads = parse.GetValue(shared.Threads);
        if (threads is < 1 or > SharedOptions.MaxThreads) throw new Engine.InputException($"--threads must be between 1 and {SharedOptions.MaxThreads}, got {threads}");
        var targets = KernelBench.Targets(kind, parse.GetValue(shared.Device), 
            kind == AcceleratorKind.Cpu ? [] : AcceleratorFactory.ListDevices());
        if (kind is null && targets.Count == 1)
            console.Log("no usable CUDA or OpenCL device (see `ilgpuvae devices`): timing the CPU baseline only");
        var options = new AcceleratorOptions(threads, CudaGraphs: !parse.GetValue(shared.NoCudaGraphs));
        var peaks = new List<string?>();
        var bandwidths = new List<string?>();
        Accelerator Open(KernelBenchTarget target)
        {
            var accelerator = AcceleratorFactory.Create(target.Kind, target.Device, options);
            peaks.Add(KernelBench.Fp32PeakDescription(accelerator));
            bandwidths.Add((accelerator as Engine.Accelerators.Ilgpu.IlgpuAccelerator)?.MemoryBandwidthDescription);
            return accelerator;
        }
        // The bar is redrawn only when KernelBench reports, between timed loops, never while one runs.
        var (accelerators, rows) = new ProgressDisplay(console).Run("bench --kernels", KernelBench.ProgressUnits(targets.Count, batches, kernels), "part",
            progress => KernelBench.Run(targets, Open, batches, kernels, repeats, launches, progress, console.Log), redrawBetweenReports: false);
        if (json)
        {
            JsonOutput.Write(console, new { Baseline = accelerators.FirstOrDefault(a => a.Baseline)?.Id, Repeats = repeats, Accelerators = accelerators, Kernels = rows });
            return ExitCodes.Success;
        }
        KernelBenchTable.Write(console.Out, accelerators, peaks, bandwidths, repeats, rows);
        return ExitCodes.Success;
    }

    private static Dataset SyntheticData(int pixels, long count)
    {
        if (count > int.MaxValue / pixels) throw new Engine.InputException("--steps × --batch-size is too large");
        var bytes = new byte[count * pixels];
        for (long i = 0; i < bytes.Length; i += 4)
        {
            var (x0, _, _, _) = Philox4x32.Generate((uint)(i >> 2), 99, 0, 0, 7, 0);
            for (int b = 0; b < 4 && i + b < bytes.Length; b++) bytes[i + b] = (byte)(x0 >> (8 * b));
        }
        var set = new ImageSet((int)count, 28, pixels / 28, bytes);
        return new Dataset("synthetic", set, set.Take(1), null, null);
    }
}

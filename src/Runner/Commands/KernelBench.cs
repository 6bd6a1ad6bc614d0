using System.Globalization;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Ilgpu;
using IlgpuVae.Engine.Benchmarking;

namespace IlgpuVae.Runner.Commands;

/// <summary>An accelerator that `bench --kernels` times: the CPU baseline or a device.</summary>
/// <param name="Kind">The family.</param>
/// <param name="Device">The device index within the family.</param>
internal sealed record KernelBenchTarget(AcceleratorKind Kind, int Device)
{
    /// <summary>How tables and JSON name it: "cpu" and "ilgpu-cpu" (one device each), else the family and index, "opencl 0".</summary>
    public string Id => Kind is AcceleratorKind.Cpu or AcceleratorKind.IlgpuCpu
        ? AcceleratorFactory.NameOf(Kind)
        : $"{AcceleratorFactory.NameOf(Kind)} {Device}";

    /// <summary>Whether this is the CPU baseline (the SIMD CPU kernels) that every device is compared with.</summary>
    public bool IsBaseline => Kind == AcceleratorKind.Cpu;
}

/// <summary>One accelerator's part of a `bench --kernels` run.</summary>
/// <param name="Id">Its name in the table and in each timing ("cpu", "opencl 0", "cuda 0", "ilgpu-cpu").</param>
/// <param name="Kind">The --accelerator value of its family.</param>
/// <param name="Device">Its device index within the family.</param>
/// <param name="Name">Its full name.</param>
/// <param name="Baseline">Whether it is the CPU baseline that the speed-ups are relative to.</param>
/// <param name="Timer">How it is timed: "CUDA events" or "host clock".</param>
/// <param name="Fp32PeakGflops">The FP32 peak of a CUDA device whose capability is known; else null.</param>
/// <param name="MemoryBandwidthGbs">The peak memory bandwidth of a CUDA device in GB/s; else null.</param>
/// <param name="WarmUpRounds">Warm-up rounds before anything was timed (see <see cref="SteadyStateTimer"/>).</param>
/// <param name="WarmUpSeconds">How long the warm-up took.</param>
/// <param name="JitSettled">Whether the warm-up ended with a round in which the JIT compiled nothing (false: it gave up waiting).</param>
internal sealed record KernelBenchAccelerator(string Id, string Kind, int Device, string Name, bool Baseline, string Timer,
    double? Fp32PeakGflops, double? MemoryBandwidthGbs, int WarmUpRounds, double WarmUpSeconds, bool JitSettled);

/// <summary>One kernel case on one accelerator.</summary>
/// <param name="Accelerator">The accelerator's <see cref="KernelBenchAccelerator.Id"/>.</param>
/// <param name="Launches">Back-to-back launches per timed repetition.</param>
/// <param name="MicrosecondsPerLaunch">Median over the repetitions of device time per launch.</param>
/// <param name="MinMicroseconds">The fastest repetition's time per launch.</param>
/// <param name="MaxMicroseconds">The slowest repetition's time per launch.</param>
/// <param name="GflopsPerSecond">Matrix kernels: FLOPs per launch over the median time; null for the others.</param>
/// <param name="GigabytesPerSecond">Other kernels: compulsory memory traffic per launch over the median time; null for the matrix kernels.</param>
/// <param name="PercentOfFp32Peak">Matrix kernels on a device with a known FP32 peak (CUDA): GFLOP/s as a share of it; else null.</param>
/// <param name="PercentOfMemoryBandwidth">Other kernels on a device with a known memory bandwidth (CUDA): GB/s as a share of it; else null.</param>
/// <param name="SpeedupOverBaseline">The CPU baseline's median over this accelerator's (above 1: faster than the CPU); null on the baseline itself or without one.</param>
/// <param name="RepetitionMicroseconds">Device time per launch of each repetition, in the order run.</param>
internal sealed record KernelTiming(string Accelerator, int Launches, double MicrosecondsPerLaunch, double MinMicroseconds, double MaxMicroseconds,
    double? GflopsPerSecond, double? GigabytesPerSecond, double? PercentOfFp32Peak, double? PercentOfMemoryBandwidth, double? SpeedupOverBaseline,
    IReadOnlyList<double> RepetitionMicroseconds);

/// <summary>One kernel at one shape and batch size, timed on every accelerator of the run.</summary>
/// <param name="Kernel">The kernel's name in the engine (IKernels), e.g. "LinearForward".</param>
/// <param name="Shape">The layer as inputs×outputs for the matrix kernels ("784x500"), else what sets its work ("latent 20").</param>
/// <param name="Batch">Minibatch rows.</param>
/// <param name="FlopsPerLaunch">Matrix kernels: 2 per multiply-add; null for the others.</param>
/// <param name="BytesPerLaunch">Other kernels: compulsory memory traffic; null for the matrix kernels.</param>
/// <param name="Timings">One per accelerator, in the order of the run's accelerators (the CPU baseline first).</param>
internal sealed record KernelRow(string Kernel, string Shape, int Batch, double? FlopsPerLaunch, double? BytesPerLaunch, IReadOnlyList<KernelTiming> Timings);

/// <summary>
/// `ilgpuvae bench --kernels`: every kernel of a training step (<see cref="StepKernelCases"/>), one at a time,
/// on each accelerator asked for and on the CPU baseline (the engine's SIMD CPU kernels, the `cpu`
/// accelerator) at the same shapes, with each accelerator's device timer
/// (<see cref="Accelerator.MeasureDeviceTime"/>: CUDA events on CUDA). Each accelerator is warmed up over all
/// its cases before any is timed, until the JIT has finished (<see cref="SteadyStateTimer"/>), so a figure
/// does not depend on where its kernel stands in the list. A kernel is launched back to back, so a figure is
/// the kernel's own time when it is longer than a launch costs the host, and the launch rate when it is shorter.
/// </summary>
internal static class KernelBench
{
    /// <summary>
    /// The accelerators to time for --accelerator <paramref name="kind"/> (null: auto) and --device
    /// <paramref name="device"/>: the CPU baseline first; then the named family's device (its first usable
    /// one unless <paramref name="device"/> is given), or without a family every usable CUDA and OpenCL device.
    /// ILGPU's CPU accelerator only when named: at these shapes it runs for many minutes.
    /// </summary>
    public static IReadOnlyList<KernelBenchTarget> Targets(AcceleratorKind? kind, int? device, IReadOnlyList<AcceleratorInfo> devices)
    {
        if (device is < 0) throw new InputException($"--device must be zero or positive, got {device}");
        var baseline = new KernelBenchTarget(AcceleratorKind.Cpu, 0);
        if (kind is null)
        {
            if (device is not null)
                throw new InputException("--device needs --accelerator opencl, cuda or ilgpu-cpu with bench --kernels (without --accelerator it times every usable CUDA and OpenCL device)");
            return [baseline, .. devices.Where(d => d.Usable && d.Kind is AcceleratorKind.Cuda or AcceleratorKind.OpenCl)
                .OrderBy(d => d.Kind == AcceleratorKind.Cuda ? 0 : 1).ThenBy(d => d.Index)
                .Select(d => new KernelBenchTarget(d.Kind, d.Index))];
        }
        if (kind == AcceleratorKind.Cpu)
        {
            if (device is > 0) throw new InputException($"--device {device}: the CPU accelerator has one device, 0");
            return [baseline];
        }
        int index = device ?? devices.FirstOrDefault(d => d.Kind == kind && d.Usable)?.Index ?? 0;
        return [baseline, new KernelBenchTarget(kind.Value, index)];
    }

    /// <summary>How many units <see cref="Run"/> reports progress in: per accelerator, its warm-up and each case.</summary>
    public static int ProgressUnits(int targets, IReadOnlyList<int> batches, IReadOnlyList<string> kernels) =>
        targets * (1 + StepKernelCases.Count(batches, kernels));

    /// <summary>
    /// Times <paramref name="kernels"/> (names of <see cref="StepKernelCases.KernelNames"/>, in the order given)
    /// at every batch size on every accelerator of <paramref name="targets"/> (created by <paramref name="open"/>,
    /// all before any timing, so that one that cannot be used fails at once): <paramref name="repeats"/>
    /// timed repetitions of <paramref name="launches"/> back-to-back launches each (null: enough for
    /// <see cref="SteadyStateTimer.RepetitionTarget"/>).
    /// </summary>
    public static (IReadOnlyList<KernelBenchAccelerator> Accelerators, IReadOnlyList<KernelRow> Rows) Run(
        IReadOnlyList<KernelBenchTarget> targets, Func<KernelBenchTarget, Accelerator> open, IReadOnlyList<int> batches,
        IReadOnlyList<string> kernels, int repeats, int? launches, ProgressReport progress, Action<string> log)
    {
        var accelerators = new List<Accelerator>();
        try
        {
            foreach (var target in targets)
            {
                accelerators.Add(open(target));
                log($"{target.Id}: {accelerators[^1].Name}{(target.IsBaseline ? " (the CPU baseline)" : "")}");
            }
            var described = new List<KernelBenchAccelerator>();
            var timings = new List<(KernelCase Case, CaseTiming Timing)[]>();
            int done = 0;
            for (int a = 0; a < targets.Count; a++)
            {
                var (target, accelerator) = (targets[a], accelerators[a]);
                using var cases = new StepKernelCases(accelerator, batches, kernels);
                var timer = new SteadyStateTimer(accelerator.MeasureDeviceTime);
                var warmUp = timer.WarmUp([.. cases.Cases.Select(c => c.Launch)], round => progress(done, $"{target.Id}: warm-up round {round}"));
                log(string.Create(CultureInfo.InvariantCulture, $"{target.Id}: warmed up in {warmUp.Rounds} rounds, {warmUp.Elapsed.TotalSeconds:F1} s") +
                    (warmUp.JitSettled ? "" : "; the JIT was still compiling when the warm-up gave up, so early figures may be high"));
                progress(++done, $"{target.Id}: warmed up");
                var results = new (KernelCase, CaseTiming)[cases.Cases.Count];
                for (int i = 0; i < results.Length; i++)
                {
                    var c = cases.Cases[i];
                    results[i] = (c, timer.Time(c.Launch, repeats, launches));
                    progress(++done, $"{target.Id}: {c.Kernel} {c.Shape}, batch {c.Batch}");
                }
                double? peak = Fp32PeakFlops(accelerator);
                double? bandwidth = (accelerator as IlgpuAccelerator)?.MemoryBandwidthBytesPerSecond;
                described.Add(new KernelBenchAccelerator(target.Id, AcceleratorFactory.NameOf(target.Kind), target.Device, accelerator.Name,
                    target.IsBaseline, TimerOf(accelerator), peak / 1e9, bandwidth / 1e9, warmUp.Rounds, warmUp.Elapsed.TotalSeconds, warmUp.JitSettled));
                timings.Add(results);
            }
            return (described, Rows(described, timings));
        }
        finally
        {
            foreach (var accelerator in accelerators) accelerator.Dispose();
        }
    }

    /// <summary>Joins the accelerators' timings of the same cases (every accelerator times the same list) into rows, with the speed-ups.</summary>
    private static List<KernelRow> Rows(IReadOnlyList<KernelBenchAccelerator> accelerators, IReadOnlyList<(KernelCase Case, CaseTiming Timing)[]> timings)
    {
        int baseline = accelerators.ToList().FindIndex(a => a.Baseline);
        var rows = new List<KernelRow>();
        for (int i = 0; i < timings[0].Length; i++)
        {
            var c = timings[0][i].Case;
            double? baselineMedian = baseline >= 0 ? timings[baseline][i].Timing.Median : null;
            var perAccelerator = new List<KernelTiming>();
            for (int a = 0; a < accelerators.Count; a++)
            {
                var t = timings[a][i].Timing;
                double median = t.Median, seconds = median * 1e-6;
                double? gflops = c.Flops / seconds / 1e9, gbs = c.Bytes / seconds / 1e9;
                perAccelerator.Add(new KernelTiming(accelerators[a].Id, t.Launches, median, t.MicrosecondsPerLaunch.Min(), t.MicrosecondsPerLaunch.Max(),
                    gflops, gbs, accelerators[a].Fp32PeakGflops is double peak ? 100 * gflops / peak : null,
                    accelerators[a].MemoryBandwidthGbs is double bandwidth ? 100 * gbs / bandwidth : null,
                    a == baseline ? null : baselineMedian / median, t.MicrosecondsPerLaunch));
            }
            rows.Add(new KernelRow(c.Kernel, c.Shape, c.Batch, c.Flops, c.Bytes, perAccelerator));
        }
        return rows;
    }

    /// <summary>The FP32 peak of the accelerator's device in FLOP/s, when it is a CUDA device whose capability is in <see cref="Engine.Accelerators.Cuda.Fp32Peak"/>'s table.</summary>
    public static double? Fp32PeakFlops(Accelerator accelerator) => (accelerator as IlgpuAccelerator)?.Fp32PeakFlops;

    /// <summary>The same peak as <see cref="Fp32PeakFlops"/>, with how it was worked out.</summary>
    public static string? Fp32PeakDescription(Accelerator accelerator) => (accelerator as IlgpuAccelerator)?.Fp32PeakDescription;

    /// <summary>How <see cref="Accelerator.MeasureDeviceTime"/> times on this accelerator.</summary>
    public static string TimerOf(Accelerator accelerator) => accelerator.Kind switch
    {
        AcceleratorKind.Cuda => "CUDA events",
        _ => "host clock",
    };

    /// <summary>
    /// Reads --only: kernel names (any case) separated by commas, each once, in the order they are to be
    /// timed; null or empty: every kernel in <see cref="StepKernelCases.KernelNames"/>'s order.
    /// </summary>
    public static IReadOnlyList<string> ParseKernelNames(string? text)
    {
        if (text is null) return StepKernelCases.KernelNames;
        var names = new List<string>();
        foreach (string part in text.Split(','))
        {
            string given = part.Trim();
            string name = StepKernelCases.KernelNames.FirstOrDefault(k => string.Equals(k, given, StringComparison.OrdinalIgnoreCase))
                ?? throw new InputException($"--only: no kernel is called '{given}'; the kernels are {string.Join(", ", StepKernelCases.KernelNames)}");
            if (names.Contains(name)) throw new InputException($"--only names {name} twice");
            names.Add(name);
        }
        return names;
    }
}

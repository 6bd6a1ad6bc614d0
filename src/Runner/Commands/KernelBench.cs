using System.Globalization;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Ilgpu;
using IlgpuVae.Engine.Benchmarking;

namespace IlgpuVae.Runner.Commands;

/// <summary>One kernel's figures from `ilgpuvae bench --kernels`.</summary>
/// <param name="Kernel">The kernel's name in the engine (IKernels), e.g. "LinearForward".</param>
/// <param name="Shape">The layer as inputs×outputs for the matrix kernels ("784x500"), else the size that sets its work ("latent 20").</param>
/// <param name="Batch">Minibatch rows.</param>
/// <param name="Launches">Launches per timed repetition.</param>
/// <param name="MicrosecondsPerLaunch">Median over the repetitions of device time per launch.</param>
/// <param name="GflopsPerSecond">Matrix kernels: 2·rows·inputs·outputs per launch over that time; null for the others.</param>
/// <param name="GigabytesPerSecond">Other kernels: their compulsory memory traffic over that time; null for the matrix kernels.</param>
/// <param name="PercentOfFp32Peak">Matrix kernels on a device with a known FP32 peak (CUDA): GFLOP/s as a share of it; else null.</param>
/// <param name="RepetitionMicroseconds">Device time per launch of each repetition, in the order run.</param>
internal sealed record KernelTiming(string Kernel, string Shape, int Batch, int Launches, double MicrosecondsPerLaunch,
    double? GflopsPerSecond, double? GigabytesPerSecond, double? PercentOfFp32Peak, IReadOnlyList<double> RepetitionMicroseconds);

/// <summary>
/// Times every kernel of a training step, one at a time, with the accelerator's device timer
/// (<see cref="Accelerator.MeasureDeviceTime"/>: CUDA events on CUDA): the three matrix kernels at each of
/// the paper model's layers, and the elementwise and row kernels of a step of the paper's setup
/// (Bernoulli decoder, analytic KL, Adagrad over its parameters, a grey-level gather). The inputs are the
/// engine's <see cref="GemmWorkload"/> and <see cref="ElementwiseWorkload"/>, which the BenchmarkDotNet
/// suites time too. A kernel is launched back to back, so a figure is the kernel's own time when it is
/// longer than a launch costs the host, and the launch rate when it is shorter.
/// </summary>
internal static class KernelBench
{
    /// <summary>A timed repetition is at least this long when the launch count is chosen automatically: long against the timer's resolution and a launch's cost.</summary>
    public static readonly TimeSpan RepetitionTarget = TimeSpan.FromMilliseconds(20);

    /// <summary>The most launches a repetition is given automatically (a kernel of well under a microsecond would otherwise ask for more).</summary>
    public const int MaxAutomaticLaunches = 1 << 16;

    /// <summary>Untimed launches before a kernel is timed, when the launch count is chosen automatically.</summary>
    public const int WarmUpLaunches = 64;

    /// <summary>The longest the warm-up of one kernel may take (a slow kernel's later warm-ups find the host code already compiled).</summary>
    public static readonly TimeSpan WarmUpLimit = TimeSpan.FromMilliseconds(250);

    /// <summary>The elementwise and row kernels of a step of the paper's setup, in the order a step runs them.</summary>
    private static readonly (ElementwiseKernel Kernel, string Name)[] StepKernels =
    [
        (ElementwiseKernel.GatherBatch, "GatherBatch"),
        (ElementwiseKernel.SampleLatent, "SampleLatent"),
        (ElementwiseKernel.BernoulliLogLikelihood, "BernoulliLogLikelihood"),
        (ElementwiseKernel.GaussianKl, "GaussianKl"),
        (ElementwiseKernel.LatentBackward, "LatentBackward"),
        (ElementwiseKernel.AdagradUpdate, "OptimizerUpdate"),
    ];

    /// <summary>
    /// Times every kernel at every batch size: a warm-up launch, then <paramref name="repeats"/> repetitions
    /// of <paramref name="launches"/> back-to-back launches (null: enough for <see cref="RepetitionTarget"/>).
    /// </summary>
    public static IReadOnlyList<KernelTiming> Run(Accelerator accelerator, IReadOnlyList<int> batches, int repeats, int? launches,
        double? fp32PeakFlops, Action<string> log)
    {
        var results = new List<KernelTiming>();
        foreach (int batch in batches)
        {
            foreach (var (inputs, outputs) in PaperShapes.Layers)
            {
                using var gemm = new GemmWorkload(accelerator, batch, inputs, outputs);
                foreach (var kernel in Enum.GetValues<GemmKernel>())
                {
                    var (n, perLaunch) = Time(accelerator, () => gemm.Launch(kernel), repeats, launches);
                    double median = Median(perLaunch);
                    double gflops = gemm.Flops / (median * 1e-6) / 1e9;
                    results.Add(new KernelTiming(kernel.ToString(), gemm.Shape, batch, n, median, gflops, null,
                        fp32PeakFlops is double peak ? 100 * gflops * 1e9 / peak : null, perLaunch));
                }
            }
            using var elementwise = new ElementwiseWorkload(accelerator, batch);
            foreach (var (kernel, name) in StepKernels)
            {
                var (n, perLaunch) = Time(accelerator, () => elementwise.Launch(kernel), repeats, launches);
                double median = Median(perLaunch);
                results.Add(new KernelTiming(name, ShapeOf(kernel), batch, n, median, null,
                    elementwise.Bytes(kernel) / (median * 1e-6) / 1e9, null, perLaunch));
            }
            log($"batch {batch}: {results.Count(r => r.Batch == batch)} kernels timed");
        }
        return results;
    }

    /// <summary>The FP32 peak of the accelerator's device in FLOP/s, when it is a CUDA device whose capability is in <see cref="Fp32Peak"/>'s table.</summary>
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
    /// Warms up, chooses the launch count (given, or found by doubling until a loop lasts an eighth of the
    /// target, then scaled up to it) and returns the device time per launch of each repetition in microseconds.
    /// </summary>
    internal static (int Launches, double[] MicrosecondsPerLaunch) Time(Accelerator accelerator, Action launch, int repeats, int? launches)
    {
        TimeSpan Loop(int count) => accelerator.MeasureDeviceTime(() =>
        {
            for (int i = 0; i < count; i++) launch();
        });
        if (launches is int given)
        {
            Loop(given); // the warm-up is one untimed repetition
        }
        else
        {
            // .NET compiles the host code (the CPU kernels themselves, a device's launch path) with its tiered
            // JIT: quickly at first, optimised after about 50 calls and a pause. Measured here, a CPU matrix
            // kernel ran 6 times slower for its first 50 calls; so warm up by a call count, bounded in time.
            var warmUp = System.Diagnostics.Stopwatch.StartNew();
            for (int i = 0; i < WarmUpLaunches && warmUp.Elapsed < WarmUpLimit; i++) Loop(1);
        }
        int n = launches ?? Calibrate(Loop);
        var perLaunch = new double[repeats];
        for (int r = 0; r < repeats; r++) perLaunch[r] = Loop(n).TotalMicroseconds / n;
        return (n, perLaunch);
    }

    private static int Calibrate(Func<int, TimeSpan> loop)
    {
        int n = 1;
        TimeSpan t = loop(n);
        while (t < RepetitionTarget / 8 && n < MaxAutomaticLaunches)
        {
            n *= 2;
            t = loop(n);
        }
        // A zero reading (a timer coarser than the loop) leaves n at the cap, which the doubling reached.
        double scaled = t > TimeSpan.Zero ? Math.Ceiling(n * (RepetitionTarget / t)) : n;
        return (int)Math.Clamp(scaled, 1, MaxAutomaticLaunches);
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    private static string ShapeOf(ElementwiseKernel kernel) => kernel switch
    {
        ElementwiseKernel.SampleLatent or ElementwiseKernel.GaussianKl or ElementwiseKernel.LatentBackward => $"latent {PaperShapes.Latent}",
        ElementwiseKernel.AdagradUpdate => $"{PaperShapes.Parameters} params",
        _ => $"pixels {PaperShapes.Pixels}",
    };

    /// <summary>The table `bench --kernels` prints.</summary>
    public static void WriteTable(TextWriter output, string accelerator, string timer, string? peak, int repeats, IReadOnlyList<KernelTiming> timings)
    {
        output.WriteLine($"{accelerator}: device time per launch ({timer}), median of {repeats} repetition{(repeats == 1 ? "" : "s")}");
        if (peak is not null) output.WriteLine($"FP32 peak: {peak}");
        bool withPeak = timings.Any(t => t.PercentOfFp32Peak is not null);
        output.WriteLine($"{"kernel",-24} {"shape",-15} {"batch",6} {"launches",9} {"µs/launch",11} {"GFLOP/s",10} {"GB/s",9}{(withPeak ? $" {"% FP32 peak",12}" : "")}");
        foreach (var t in timings)
        {
            string F(double? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{t.Kernel,-24} {t.Shape,-15} {t.Batch,6} {t.Launches,9} {t.MicrosecondsPerLaunch,11:F2} {F(t.GflopsPerSecond, "F1"),10} {F(t.GigabytesPerSecond, "F1"),9}")
                + (withPeak ? $" {F(t.PercentOfFp32Peak, "F1"),12}" : ""));
        }
    }
}

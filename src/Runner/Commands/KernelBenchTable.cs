using System.Globalization;
using System.Text;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// The table `bench --kernels` prints: one line per kernel, shape and batch size, with a group of columns per
/// accelerator (the CPU baseline first): the median time per launch, the spread of the repetitions, the
/// throughput (GFLOP/s for the matrix kernels, GB/s for the others, as the unit column says), on a CUDA device
/// the share of its FP32 peak (matrix kernels) or of its memory bandwidth (the others), and on each device its
/// speed-up over the CPU baseline.
/// </summary>
internal static class KernelBenchTable
{
    private const int KernelWidth = 22, ShapeWidth = 22;

    /// <summary>Writes the header lines and the table.</summary>
    public static void Write(TextWriter output, IReadOnlyList<KernelBenchAccelerator> accelerators, IReadOnlyList<string?> peaks,
        IReadOnlyList<string?> bandwidths, int repeats, IReadOnlyList<KernelRow> rows)
    {
        output.WriteLine($"Device time per launch: median of {repeats} repetition{(repeats == 1 ? "" : "s")}, after a warm-up until the JIT had finished.");
        output.WriteLine("spread: (slowest - fastest repetition) / median.  speed-up: the CPU baseline's time / the accelerator's (above 1: faster than the CPU).");
        int idWidth = accelerators.Max(a => a.Id.Length);
        for (int a = 0; a < accelerators.Count; a++)
        {
            var acc = accelerators[a];
            string role = acc.Baseline ? "; the CPU baseline" : "";
            string peak = peaks[a] is string p ? $"; FP32 peak {p}" : "";
            string bandwidth = bandwidths[a] is string bw ? $"; memory bandwidth {bw}" : "";
            output.WriteLine($"  {acc.Id.PadRight(idWidth)}  {acc.Name} ({acc.Timer}{role}{peak}{bandwidth})");
        }
        if (accelerators.Any(a => a.Fp32PeakGflops is not null || a.MemoryBandwidthGbs is not null))
            output.WriteLine("% peak: GFLOP/s as a share of the FP32 peak, GB/s as a share of the memory bandwidth.");
        var groups = accelerators.Select(a => new Group(a.Id, a.Fp32PeakGflops is not null || a.MemoryBandwidthGbs is not null,
            !a.Baseline && accelerators.Any(b => b.Baseline))).ToList();
        string lead = $"{"kernel",-KernelWidth} {"shape",-ShapeWidth} {"batch",6} {"unit",-7}";
        output.WriteLine(new string(' ', lead.Length) + string.Concat(groups.Select(g => " | " + g.Id.PadRight(g.Width))).TrimEnd());
        output.WriteLine(lead + string.Concat(groups.Select(g => " | " + g.Header())));
        foreach (var row in rows)
        {
            var line = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"{row.Kernel,-KernelWidth} {row.Shape,-ShapeWidth} {row.Batch,6} {(row.FlopsPerLaunch is null ? "GB/s" : "GFLOP/s"),-7}"));
            for (int a = 0; a < groups.Count; a++) line.Append(" | ").Append(groups[a].Cells(row.Timings[a]));
            output.WriteLine(line.ToString());
        }
    }

    /// <summary>One accelerator's columns.</summary>
    private sealed record Group(string Id, bool WithPeak, bool WithSpeedup)
    {
        public int Width => Header().Length;

        public string Header() => $"{"µs/launch",10} {"spread",7} {"rate",9}" + (WithPeak ? $" {"% peak",7}" : "") + (WithSpeedup ? $" {"speed-up",9}" : "");

        public string Cells(KernelTiming t)
        {
            // A median of 0 is a launch shorter than the timer's resolution: no spread or rate to give.
            string spread = t.MicrosecondsPerLaunch > 0
                ? (100 * (t.MaxMicroseconds - t.MinMicroseconds) / t.MicrosecondsPerLaunch).ToString("F1", CultureInfo.InvariantCulture) + "%"
                : "-";
            double rate = t.GflopsPerSecond ?? t.GigabytesPerSecond ?? double.NaN;
            string median = t.MicrosecondsPerLaunch.ToString(t.MicrosecondsPerLaunch >= 1e4 ? "F0" : "F2", CultureInfo.InvariantCulture);
            var cells = $"{median,10} {spread,7} {Number(rate),9}";
            if (WithPeak) cells += $" {Number(t.PercentOfFp32Peak ?? t.PercentOfMemoryBandwidth),7}";
            if (WithSpeedup) cells += $" {(t.SpeedupOverBaseline is double s ? Times(s) : "-"),9}";
            return cells;
        }

        /// <summary>A rate or share: whole above 100, one decimal above 1, else two significant digits (0.012).</summary>
        private static string Number(double? value) => value is double v && double.IsFinite(v) ? Significant(v) : "-";

        /// <summary>A speed-up: 123×, 12.3×, 1.23×, 0.012×.</summary>
        private static string Times(double s) => (s >= 1 && s < 100 ? s.ToString(s >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture) : Significant(s)) + "×";

        private static string Significant(double v) =>
            v >= 100 ? v.ToString("F0", CultureInfo.InvariantCulture)
            : v >= 1 ? v.ToString("F1", CultureInfo.InvariantCulture)
            : v > 0 ? v.ToString("F" + Math.Min(1 - (int)Math.Floor(Math.Log10(v)), 9), CultureInfo.InvariantCulture)
            : "0";
    }
}

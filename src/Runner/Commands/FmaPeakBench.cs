using System.Globalization;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Benchmarking;

namespace IlgpuVae.Runner.Commands;

/// <summary>One thread count's figures from `ilgpuvae bench --peak`.</summary>
/// <param name="Threads">Threads running FMA chains at once.</param>
/// <param name="GflopsPerSecond">Median over the repetitions, all threads together.</param>
/// <param name="RepetitionGflopsPerSecond">Each repetition's figure, in the order run.</param>
internal sealed record FmaPeakResult(int Threads, double GflopsPerSecond, IReadOnlyList<double> RepetitionGflopsPerSecond);

/// <summary>
/// `ilgpuvae bench --peak`: this CPU's FP32 FMA ceiling (<see cref="CpuFmaPeak"/>) on one thread and on
/// the CPU accelerator's thread count, the yardstick for the CPU's GFLOP/s figures.
/// </summary>
internal static class FmaPeakBench
{
    /// <summary>How long one timed repetition runs.</summary>
    public static readonly TimeSpan Repetition = TimeSpan.FromSeconds(0.5);

    /// <summary>Measures and prints; returns the exit code.</summary>
    public static int Run(CliConsole console, int? threads, int repeats, bool json)
    {
        if (threads is < 1) throw new Engine.InputException($"--threads must be at least 1, got {threads}");
        int all = threads ?? Environment.ProcessorCount;
        int[] counts = all == 1 ? [1] : [1, all];
        string vectors = $"{CpuFmaPeak.VectorBits}-bit vectors, {CpuFmaPeak.Chains} FMA chains per thread" +
                         (CpuFmaPeak.HardwareFma ? "" : " (no FMA instruction here: the JIT emulates it)");
        console.Log($"CPU FP32 FMA peak: {vectors}; {repeats} repetitions of {Repetition.TotalSeconds:F1} s per thread count");
        long iterations = CpuFmaPeak.Calibrate(Repetition);
        var results = new ProgressDisplay(console).Run("bench --peak", counts.Length * repeats, "repetition", progress =>
        {
            var found = new List<FmaPeakResult>();
            foreach (int n in counts)
            {
                var figures = new List<double>();
                for (int r = 0; r < repeats; r++)
                {
                    figures.Add(CpuFmaPeak.Measure(n, iterations) / 1e9);
                    progress(found.Count * repeats + r + 1, string.Create(CultureInfo.InvariantCulture, $"{n} thread{(n == 1 ? "" : "s")}: {figures[^1]:F1} GFLOP/s"));
                }
                found.Add(new FmaPeakResult(n, Median(figures), figures));
            }
            return found;
        }, redrawBetweenReports: false);
        if (json)
        {
            JsonOutput.Write(console, new
            {
                Cpu = CpuModelName(), Simd = CpuAccelerator.SimdDescription, VectorBits = CpuFmaPeak.VectorBits, CpuFmaPeak.Chains, HardwareFma = CpuFmaPeak.HardwareFma,
                Repeats = repeats, IterationsPerThread = iterations, Results = results,
            });
            return ExitCodes.Success;
        }
        console.Out.WriteLine($"{CpuModelName() ?? "CPU"} FP32 FMA peak ({vectors}), median of {repeats}:");
        foreach (var r in results)
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {r.Threads,3} thread{(r.Threads == 1 ? " " : "s")}  {r.GflopsPerSecond,8:F1} GFLOP/s  (min {r.RepetitionGflopsPerSecond.Min():F1}, max {r.RepetitionGflopsPerSecond.Max():F1})"));
        return ExitCodes.Success;
    }

    /// <summary>The processor's name from /proc/cpuinfo (Linux), or null where it cannot be read.</summary>
    private static string? CpuModelName()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}

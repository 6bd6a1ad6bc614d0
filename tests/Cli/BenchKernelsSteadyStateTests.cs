using System.Text.Json;
using IlgpuVae.Runner;
using IlgpuVae.Tests.Embedding;
using NUnit.Framework;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// `bench --kernels` reports each kernel's steady state wherever it stands in the list. Each run is a fresh
/// process (a fresh JIT) on the CPU accelerator with one thread: the kernels timed in one order and in the
/// reverse order must agree, and each must be no slower than its time in a process whose JIT compiles every
/// method fully optimised at once (DOTNET_TieredCompilation=0), the code the tiered JIT ends with. The
/// per-kernel warm-up this replaced fails it: it timed kernels the JIT was still running unoptimised
/// (measured: GaussianKl at 13 times, LatentBackward at 3.7 times the optimised time, in either order).
/// The factors are generous, and a failed comparison is run once more, so a busy machine does not fail it;
/// a warm-up that times unoptimised code fails both.
/// </summary>
[TestFixture]
public sealed class BenchKernelsSteadyStateTests
{
    private static readonly string[] Kernels = ["GaussianKl", "LatentBackward", "SampleLatent", "OptimizerUpdate", "BernoulliLogLikelihood"];

    /// <summary>In order and reversed, the medians of a kernel may differ by this factor at most.</summary>
    private const double OrderFactor = 2.0;

    /// <summary>A median may be this many times the fully optimised one at most (faster is fine: dynamic PGO can beat it).</summary>
    private const double OptimisedFactor = 2.5;

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Test]
    public void AKernelsTimeDoesNotDependOnItsPlaceInTheList()
    {
        var failures = Compare();
        if (failures.Count > 0) failures = Compare(); // once more: a burst of load on a shared machine, not a cold JIT
        Assert.That(failures, Is.Empty);
    }

    private static List<string> Compare()
    {
        var optimised = Medians(Kernels, new Dictionary<string, string?> { ["DOTNET_TieredCompilation"] = "0" });
        var inOrder = Medians(Kernels);
        var reversed = Medians([.. Kernels.Reverse()]);
        var failures = new List<string>();
        Assert.That(inOrder.Keys, Is.EquivalentTo(optimised.Keys));
        Assert.That(reversed.Keys, Is.EquivalentTo(optimised.Keys));
        foreach (var (row, reference) in optimised)
        {
            double a = inOrder[row], b = reversed[row];
            string figures = $"{row}: {a:F2} µs in order, {b:F2} µs reversed, {reference:F2} µs fully optimised";
            if (Math.Max(a, b) > OrderFactor * Math.Min(a, b)) failures.Add($"{figures}: depends on the order");
            if (Math.Max(a, b) > OptimisedFactor * reference) failures.Add($"{figures}: not the optimised code's time");
        }
        return failures;
    }

    /// <summary>Each row's CPU median from a fresh `bench --kernels` process timing <paramref name="kernels"/> in that order.</summary>
    private static Dictionary<string, double> Medians(string[] kernels, Dictionary<string, string?>? environment = null)
    {
        var r = ChildProcess.Run("ilgpuvae", ["bench", "--kernels", "--accelerator", "cpu", "--threads", "1", "--batch-size", "100", "--repeats", "5",
            "--only", string.Join(',', kernels), "--json", "--quiet"], Timeout, environment);
        Assert.That(r.ExitCode, Is.EqualTo(ExitCodes.Success), r.ToString());
        return JsonDocument.Parse(r.Out).RootElement.GetProperty("kernels").EnumerateArray().ToDictionary(
            k => $"{k.GetProperty("kernel").GetString()} {k.GetProperty("shape").GetString()}",
            k => k.GetProperty("timings")[0].GetProperty("microseconds_per_launch").GetDouble());
    }
}

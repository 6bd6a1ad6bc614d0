using System.Text.Json;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Runner;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// `ilgpuvae bench --kernels` on the CPU accelerator, with one launch per repetition and one repetition
/// so that it stays fast: every kernel at every batch size in the table and in the JSON, positive figures
/// of the right kind, and bad values refused with one line and exit code 2.
/// </summary>
[TestFixture]
public sealed class BenchKernelsTests
{
    private static readonly string[] MatrixKernels = ["LinearForward", "LinearBackwardData", "LinearBackwardWeights"];
    private static readonly string[] StepKernels = ["GatherBatch", "SampleLatent", "BernoulliLogLikelihood", "GaussianKl", "LatentBackward", "OptimizerUpdate"];
    private static readonly string[] Layers = ["784x500", "500x784", "500x40", "20x500"];

    private static readonly string[] Quick = ["bench", "--kernels", "--accelerator", "cpu", "--repeats", "1", "--kernel-iterations", "1"];

    [Test]
    public void TheTableListsEveryKernelAtBothBatchSizes()
    {
        var r = Run(Quick);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var rows = r.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            // name, shape (one or two words), batch, launches, µs per launch, GFLOP/s, GB/s
            .Where(f => f.Length >= 7 && (MatrixKernels.Contains(f[0]) || StepKernels.Contains(f[0])))
            .ToList();
        foreach (int batch in new[] { 100, 1024 })
        {
            string b = batch.ToString();
            foreach (var kernel in MatrixKernels)
                foreach (var layer in Layers)
                    Assert.That(rows.Count(f => f[0] == kernel && f[1] == layer && f[^5] == b), Is.EqualTo(1), $"{kernel} {layer} batch {batch}");
            foreach (var kernel in StepKernels)
                Assert.That(rows.Count(f => f[0] == kernel && f[^5] == b), Is.EqualTo(1), $"{kernel} batch {batch}");
        }
        Assert.That(rows, Has.Count.EqualTo(2 * (MatrixKernels.Length * Layers.Length + StepKernels.Length)), "nothing else, nothing twice");
        Assert.That(r.Out, Does.StartWith("CPU").And.Contain("host clock").And.Contain("median of 1 repetition"));
        Assert.That(r.Out, Does.Not.Contain("FP32 peak"), "the CPU has no peak figure");
    }

    [Test]
    public void JsonHasEveryFigureForOneBatchSize()
    {
        var r = Run([.. Quick, "--batch-size", "100", "--json"]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(root.GetProperty("accelerator").GetString(), Does.StartWith("CPU"));
        Assert.That(root.GetProperty("timer").GetString(), Is.EqualTo("host clock"));
        Assert.That(root.GetProperty("fp32_peak_gflops").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(root.GetProperty("repeats").GetInt32(), Is.EqualTo(1));
        var kernels = root.GetProperty("kernels").EnumerateArray().ToList();
        Assert.That(kernels, Has.Count.EqualTo(MatrixKernels.Length * Layers.Length + StepKernels.Length));
        foreach (var k in kernels)
        {
            string name = k.GetProperty("kernel").GetString()!;
            Assert.That(k.GetProperty("batch").GetInt32(), Is.EqualTo(100), name);
            Assert.That(k.GetProperty("launches").GetInt32(), Is.EqualTo(1), name);
            Assert.That(k.GetProperty("microseconds_per_launch").GetDouble(), Is.GreaterThan(0), name);
            Assert.That(k.GetProperty("repetition_microseconds").EnumerateArray().Select(e => e.GetDouble()), Has.Exactly(1).Items.And.All.GreaterThan(0), name);
            Assert.That(k.GetProperty("percent_of_fp32_peak").ValueKind, Is.EqualTo(JsonValueKind.Null), name);
            bool matrix = MatrixKernels.Contains(name);
            Assert.That(matrix || StepKernels.Contains(name), name);
            var (figure, none) = matrix ? ("gflops_per_second", "gigabytes_per_second") : ("gigabytes_per_second", "gflops_per_second");
            Assert.That(k.GetProperty(figure).GetDouble(), Is.GreaterThan(0), name);
            Assert.That(k.GetProperty(none).ValueKind, Is.EqualTo(JsonValueKind.Null), name);
        }
    }

    [TestCase(new[] { "--repeats", "0" }, "--repeats")]
    [TestCase(new[] { "--kernel-iterations", "0" }, "--kernel-iterations")]
    [TestCase(new[] { "--kernel-iterations", "-3" }, "--kernel-iterations")]
    [TestCase(new[] { "--batch-size", "0" }, "--batch-size")]
    [TestCase(new[] { "--kernel-iterations", "many" }, "many")]
    [TestCase(new[] { "--hidden", "8" }, "--hidden does not apply")]
    [TestCase(new[] { "--steps", "5" }, "--steps does not apply")]
    [TestCase(new[] { "--latent", "2" }, "--latent does not apply")]
    public void BadValuesGiveOneLineAndExitCode2(string[] extra, string fragment)
    {
        var r = Run(["bench", "--kernels", "--accelerator", "cpu", .. extra]);
        AssertOneBadInputLine(r, fragment);
    }

    [Test]
    public void KernelIterationsNeedKernels() =>
        AssertOneBadInputLine(Run("bench", "--accelerator", "cpu", "--kernel-iterations", "5"), "only with --kernels");

    private static void AssertOneBadInputLine((int Code, string Out, string Err) r, string fragment)
    {
        CliTests.AssertBadInput(r, fragment);
        Assert.That(r.Out, Is.Empty, "nothing on stdout when a command fails");
    }

    [Test]
    public void TheTimedShapesAreThePaperModels()
    {
        Assert.That(PaperShapes.Layers, Is.EqualTo(new[] { (784, 500), (500, 784), (500, 40), (20, 500) }));
        Assert.That(PaperShapes.Parameters, Is.EqualTo(815_824));
        Assert.That(PaperShapes.Batches, Is.EqualTo(new[] { 100, 1024 }));
    }
}

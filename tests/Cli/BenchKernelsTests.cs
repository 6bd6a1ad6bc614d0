using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Benchmarking;
using IlgpuVae.Runner;
using IlgpuVae.Runner.Commands;
using NUnit.Framework;
using static IlgpuVae.Tests.CommandLine.CliRun;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>
/// `ilgpuvae bench --kernels`, kept fast with one launch per repetition: every kernel of a step at the paper's
/// shapes in the table and in the JSON, at both batch sizes by default, positive figures of the right kind, a
/// device timed beside the CPU baseline with its speed-up, which accelerators run by default, and bad values
/// refused with one line and exit code 2.
/// </summary>
[TestFixture]
public sealed class BenchKernelsTests
{
    private static readonly string[] MatrixKernels = ["LinearForward", "LinearBackwardData", "LinearBackwardWeights"];
    private static readonly string[] Layers = ["784x500", "500x784", "500x40", "20x500"];

    /// <summary>Every kernel other than the matrix kernels, with the shape of each of its rows.</summary>
    private static readonly (string Kernel, string Shape)[] OtherKernels =
    [
        ("GatherBatch", "pixels 784"), ("SampleLatent", "latent 20"), ("GaussianKl", "latent 20"), ("BernoulliLogLikelihood", "pixels 784"),
        ("GaussianLogLikelihood", "pixels 784"), ("ElboRows", "batch rows"), ("SumRows", "batch rows"), ("LatentBackward", "latent 20"),
        ("OptimizerUpdate", "adagrad, 815824 params"), ("OptimizerUpdate", "adam, 815824 params"), ("ImportanceLogWeights", "latent 20"),
        ("LogMeanExp", "K 5000"),
    ];

    private static int RowsPerBatch => MatrixKernels.Length * Layers.Length + OtherKernels.Length;

    private static readonly string[] Quick = ["bench", "--kernels", "--accelerator", "cpu", "--repeats", "1", "--kernel-iterations", "1"];

    /// <summary>A table line: kernel, shape, batch, unit, then one cell list per accelerator.</summary>
    private sealed record TableRow(string Kernel, string Shape, int Batch, string Unit, string[][] Groups);

    private static List<TableRow> TableRows(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(" | "))
            .Where(parts => parts.Length >= 2 && parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries) is { Length: >= 4 } lead && int.TryParse(lead[^2], out _))
            .Select(parts =>
            {
                var lead = parts[0].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return new TableRow(lead[0], string.Join(' ', lead[1..^2]), int.Parse(lead[^2]), lead[^1],
                    [.. parts[1..].Select(g => g.Split(' ', StringSplitOptions.RemoveEmptyEntries))]);
            })
            .ToList();

    [Test]
    public void TheTableHasEveryKernelOfAStepAtThePaperShapes()
    {
        var r = Run([.. Quick, "--batch-size", "100"]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var rows = TableRows(r.Out);
        foreach (var kernel in MatrixKernels)
            foreach (var layer in Layers)
                Assert.That(rows.Count(t => t.Kernel == kernel && t.Shape == layer && t.Unit == "GFLOP/s"), Is.EqualTo(1), $"{kernel} {layer}");
        foreach (var (kernel, shape) in OtherKernels)
            Assert.That(rows.Count(t => t.Kernel == kernel && t.Shape == shape && t.Unit == "GB/s"), Is.EqualTo(1), $"{kernel} {shape}");
        Assert.That(rows, Has.Count.EqualTo(RowsPerBatch), "nothing else, nothing twice");
        Assert.That(rows.Select(t => t.Batch), Has.All.EqualTo(100));
        foreach (var row in rows)
        {
            Assert.That(row.Groups, Has.Length.EqualTo(1), "the CPU alone: one group of columns");
            var cells = row.Groups[0]; // µs/launch, spread, rate; no speed-up on the baseline itself
            Assert.That(cells, Has.Length.EqualTo(3), row.Kernel);
            Assert.That(double.Parse(cells[0]), Is.GreaterThanOrEqualTo(0), row.Kernel);
            Assert.That(cells[1], Does.EndWith("%").Or.EqualTo("-"), row.Kernel);
        }
        Assert.That(r.Out, Does.Contain("median of 1 repetition,").And.Contain("CPU baseline").And.Contain("host clock"));
        Assert.That(r.Out, Does.Not.Contain("FP32 peak"), "the CPU has no peak figure");
    }

    [Test]
    public void BothPaperBatchSizesAreTimedByDefault()
    {
        var r = Run([.. Quick, "--only", "SumRows,LinearForward"]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var rows = TableRows(r.Out);
        var expected = new List<(string, string, int)>();
        foreach (int batch in new[] { 100, 1024 })
        {
            expected.Add(("SumRows", "batch rows", batch));
            expected.AddRange(Layers.Select(l => ("LinearForward", l, batch)));
        }
        Assert.That(rows.Select(t => (t.Kernel, t.Shape, t.Batch)), Is.EqualTo(expected), "batch by batch, the kernels in the order given");
    }

    [Test]
    public void JsonHasEveryFigureForOneBatchSize()
    {
        var r = Run([.. Quick, "--batch-size", "100", "--json"]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        Assert.That(root.GetProperty("baseline").GetString(), Is.EqualTo("cpu"));
        Assert.That(root.GetProperty("repeats").GetInt32(), Is.EqualTo(1));
        var accelerator = root.GetProperty("accelerators").EnumerateArray().Single();
        Assert.That(accelerator.GetProperty("id").GetString(), Is.EqualTo("cpu"));
        Assert.That(accelerator.GetProperty("kind").GetString(), Is.EqualTo("cpu"));
        Assert.That(accelerator.GetProperty("name").GetString(), Does.StartWith("CPU"));
        Assert.That(accelerator.GetProperty("baseline").GetBoolean(), Is.True);
        Assert.That(accelerator.GetProperty("timer").GetString(), Is.EqualTo("host clock"));
        Assert.That(accelerator.GetProperty("fp32_peak_gflops").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(accelerator.GetProperty("memory_bandwidth_gbs").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(accelerator.GetProperty("warm_up_rounds").GetInt32(), Is.GreaterThanOrEqualTo(SteadyStateTimer.MinRounds));
        var kernels = root.GetProperty("kernels").EnumerateArray().ToList();
        Assert.That(kernels, Has.Count.EqualTo(RowsPerBatch));
        foreach (var k in kernels)
        {
            string name = k.GetProperty("kernel").GetString()!;
            Assert.That(k.GetProperty("batch").GetInt32(), Is.EqualTo(100), name);
            bool matrix = MatrixKernels.Contains(name);
            Assert.That(matrix || OtherKernels.Any(o => o.Kernel == name), name);
            var (work, none) = matrix ? ("flops_per_launch", "bytes_per_launch") : ("bytes_per_launch", "flops_per_launch");
            Assert.That(k.GetProperty(work).GetDouble(), Is.GreaterThan(0), name);
            Assert.That(k.GetProperty(none).ValueKind, Is.EqualTo(JsonValueKind.Null), name);
            var t = k.GetProperty("timings").EnumerateArray().Single();
            Assert.That(t.GetProperty("accelerator").GetString(), Is.EqualTo("cpu"), name);
            Assert.That(t.GetProperty("launches").GetInt32(), Is.EqualTo(1), name);
            // One launch of the smallest kernels (ElboRows, SumRows: 100 values) can be shorter than the host clock's 0.1 µs, and read 0.
            double median = t.GetProperty("microseconds_per_launch").GetDouble();
            Assert.That(median, Is.GreaterThanOrEqualTo(0), name);
            Assert.That(t.GetProperty("repetition_microseconds").EnumerateArray().Select(e => e.GetDouble()), Has.Exactly(1).Items.And.All.EqualTo(median), name);
            Assert.That(t.GetProperty("min_microseconds").GetDouble(), Is.EqualTo(median), name);
            Assert.That(t.GetProperty("max_microseconds").GetDouble(), Is.EqualTo(median), name);
            Assert.That(t.GetProperty("percent_of_fp32_peak").ValueKind, Is.EqualTo(JsonValueKind.Null), name);
            Assert.That(t.GetProperty("percent_of_memory_bandwidth").ValueKind, Is.EqualTo(JsonValueKind.Null), name);
            Assert.That(t.GetProperty("speedup_over_baseline").ValueKind, Is.EqualTo(JsonValueKind.Null), "the baseline has no speed-up over itself");
            var (figure, noFigure) = matrix ? ("gflops_per_second", "gigabytes_per_second") : ("gigabytes_per_second", "gflops_per_second");
            if (median > 0)
                Assert.That(t.GetProperty(figure).GetDouble(), Is.EqualTo(k.GetProperty(work).GetDouble() / (median * 1e-6) / 1e9).Within(1e-9).Percent, name);
            else
                Assert.That(t.GetProperty(figure).ValueKind, Is.EqualTo(JsonValueKind.Null), $"{name}: no rate from a zero reading");
            Assert.That(t.GetProperty(noFigure).ValueKind, Is.EqualTo(JsonValueKind.Null), name);
        }
    }

    /// <summary>
    /// A device beside the CPU baseline: ILGPU's CPU accelerator (present everywhere, and slow, so only two
    /// small kernels), each row timed on both, the speed-up the baseline's median over the device's.
    /// </summary>
    [Test]
    public void ADeviceIsTimedBesideTheCpuBaseline()
    {
        string[] args = ["bench", "--kernels", "--accelerator", "ilgpu-cpu", "--only", "ElboRows,SumRows", "--batch-size", "100", "--repeats", "3", "--kernel-iterations", "1"];
        var r = Run([.. args, "--json"]);
        Assert.That(r.Code, Is.EqualTo(ExitCodes.Success), r.Err);
        var root = JsonDocument.Parse(r.Out).RootElement;
        var accelerators = root.GetProperty("accelerators").EnumerateArray().ToList();
        Assert.That(accelerators.Select(a => a.GetProperty("id").GetString()), Is.EqualTo(new[] { "cpu", "ilgpu-cpu" }));
        Assert.That(accelerators.Select(a => a.GetProperty("baseline").GetBoolean()), Is.EqualTo(new[] { true, false }));
        var rows = root.GetProperty("kernels").EnumerateArray().ToList();
        Assert.That(rows.Select(k => k.GetProperty("kernel").GetString()), Is.EqualTo(new[] { "ElboRows", "SumRows" }));
        foreach (var k in rows)
        {
            var timings = k.GetProperty("timings").EnumerateArray().ToList();
            Assert.That(timings.Select(t => t.GetProperty("accelerator").GetString()), Is.EqualTo(new[] { "cpu", "ilgpu-cpu" }));
            double cpu = timings[0].GetProperty("microseconds_per_launch").GetDouble();
            double device = timings[1].GetProperty("microseconds_per_launch").GetDouble();
            var repetitions = timings[1].GetProperty("repetition_microseconds").EnumerateArray().Select(e => e.GetDouble()).Order().ToList();
            Assert.That(repetitions, Has.Count.EqualTo(3));
            Assert.That(device, Is.EqualTo(repetitions[1]), "the median of three");
            Assert.That(timings[1].GetProperty("min_microseconds").GetDouble(), Is.EqualTo(repetitions[0]));
            Assert.That(timings[1].GetProperty("max_microseconds").GetDouble(), Is.EqualTo(repetitions[2]));
            Assert.That(timings[0].GetProperty("speedup_over_baseline").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(timings[1].GetProperty("speedup_over_baseline").GetDouble(), Is.EqualTo(cpu / device).Within(1e-9).Percent);
        }

        var table = Run(args);
        Assert.That(table.Code, Is.EqualTo(ExitCodes.Success), table.Err);
        Assert.That(table.Out, Does.Contain("ilgpu-cpu  ILGPU CPU"));
        foreach (var row in TableRows(table.Out))
        {
            Assert.That(row.Groups, Has.Length.EqualTo(2), row.Kernel);
            Assert.That(row.Groups[0], Has.Length.EqualTo(3), "the baseline: no speed-up column");
            Assert.That(row.Groups[1], Has.Length.EqualTo(4), "the device: µs, spread, rate, speed-up");
            Assert.That(row.Groups[1][3], Does.EndWith("×"));
        }
    }

    private static AcceleratorInfo Device(AcceleratorKind kind, int index, bool usable) =>
        new(kind, index, $"{kind} {index}", usable, new Dictionary<string, string>(), usable ? null : "not usable here");

    private static readonly AcceleratorInfo[] SomeDevices =
    [
        Device(AcceleratorKind.Cuda, 0, false), Device(AcceleratorKind.Cuda, 1, true), Device(AcceleratorKind.OpenCl, 0, true),
        Device(AcceleratorKind.OpenCl, 1, false), Device(AcceleratorKind.OpenCl, 2, true), Device(AcceleratorKind.Cpu, 0, true),
        Device(AcceleratorKind.IlgpuCpu, 0, true),
    ];

    [Test]
    public void WithoutAnAcceleratorEveryUsableCudaAndOpenClDeviceIsTimedBesideTheBaseline()
    {
        var targets = KernelBench.Targets(null, null, SomeDevices);
        Assert.That(targets.Select(t => t.Id), Is.EqualTo(new[] { "cpu", "cuda 1", "opencl 0", "opencl 2" }), "never ilgpu-cpu unless asked for");
        Assert.That(targets.Select(t => t.IsBaseline), Is.EqualTo(new[] { true, false, false, false }));
        Assert.That(KernelBench.Targets(null, null, [Device(AcceleratorKind.Cpu, 0, true), Device(AcceleratorKind.OpenCl, 0, false)]).Select(t => t.Id),
            Is.EqualTo(new[] { "cpu" }), "no usable device: the baseline alone");
    }

    [Test]
    public void AnAcceleratorNamesOneDeviceBesideTheBaseline()
    {
        Assert.That(KernelBench.Targets(AcceleratorKind.OpenCl, null, SomeDevices).Select(t => t.Id), Is.EqualTo(new[] { "cpu", "opencl 0" }));
        Assert.That(KernelBench.Targets(AcceleratorKind.OpenCl, 2, SomeDevices).Select(t => t.Id), Is.EqualTo(new[] { "cpu", "opencl 2" }));
        Assert.That(KernelBench.Targets(AcceleratorKind.Cuda, null, SomeDevices).Select(t => t.Id), Is.EqualTo(new[] { "cpu", "cuda 1" }), "the first usable one");
        Assert.That(KernelBench.Targets(AcceleratorKind.IlgpuCpu, null, SomeDevices).Select(t => t.Id), Is.EqualTo(new[] { "cpu", "ilgpu-cpu" }));
        Assert.That(KernelBench.Targets(AcceleratorKind.Cpu, null, SomeDevices).Select(t => t.Id), Is.EqualTo(new[] { "cpu" }));
        Assert.That(() => KernelBench.Targets(null, 1, SomeDevices), Throws.InstanceOf<InputException>().With.Message.Contains("--device needs --accelerator"));
    }

    [Test]
    public void AnUnusableDeviceIsRefusedBeforeAnythingIsTimed()
    {
        // OpenCL device 1 of this machine may not exist or may not be usable: either way exit code 4, with the reason, and nothing timed.
        var r = Run("bench", "--kernels", "--accelerator", "opencl", "--device", "99", "--only", "SumRows", "--batch-size", "100");
        Assert.That(r.Code, Is.EqualTo(ExitCodes.AcceleratorFailure), r.Err);
        Assert.That(r.Out, Is.Empty);
        Assert.That(r.Err, Does.Not.Contain("warmed up"), "failed before timing the baseline");
    }

    [TestCase(new[] { "--repeats", "0" }, "--repeats")]
    [TestCase(new[] { "--kernel-iterations", "0" }, "--kernel-iterations")]
    [TestCase(new[] { "--kernel-iterations", "-3" }, "--kernel-iterations")]
    [TestCase(new[] { "--batch-size", "0" }, "--batch-size")]
    [TestCase(new[] { "--kernel-iterations", "many" }, "many")]
    [TestCase(new[] { "--hidden", "8" }, "--hidden does not apply")]
    [TestCase(new[] { "--steps", "5" }, "--steps does not apply")]
    [TestCase(new[] { "--latent", "2" }, "--latent does not apply")]
    [TestCase(new[] { "--only", "LinearForwards" }, "no kernel is called 'LinearForwards'")]
    [TestCase(new[] { "--only", "SumRows,sumrows" }, "names SumRows twice")]
    [TestCase(new[] { "--only", "SumRows,,ElboRows" }, "no kernel is called ''")]
    [TestCase(new[] { "--device", "1" }, "the CPU accelerator has one device")]
    public void BadValuesGiveOneLineAndExitCode2(string[] extra, string fragment)
    {
        var r = Run(["bench", "--kernels", "--accelerator", "cpu", .. extra]);
        AssertOneBadInputLine(r, fragment);
    }

    [Test]
    public void DeviceWithoutAnAcceleratorIsRefused() =>
        AssertOneBadInputLine(Run("bench", "--kernels", "--device", "0"), "--device needs --accelerator");

    [Test]
    public void KernelIterationsNeedKernels() =>
        AssertOneBadInputLine(Run("bench", "--accelerator", "cpu", "--kernel-iterations", "5"), "only with --kernels");

    [Test]
    public void OnlyNeedsKernels() =>
        AssertOneBadInputLine(Run("bench", "--accelerator", "cpu", "--only", "SumRows"), "--only applies only with --kernels");

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
        Assert.That(PaperShapes.ImportanceSamples, Is.EqualTo(5000));
    }

    /// <summary>Every kernel of the engine's kernel interface is timed, under the name the interface gives it (overloads once).</summary>
    [Test]
    public void EveryKernelOfTheEngineIsInTheList()
    {
        var engine = typeof(Accelerator).Assembly.GetType("IlgpuVae.Engine.Accelerators.IKernels")!.GetMethods().Select(m => m.Name).Distinct();
        Assert.That(StepKernelCases.KernelNames, Is.EquivalentTo(engine));
    }
}

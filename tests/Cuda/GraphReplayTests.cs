using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cuda;
using NUnit.Framework;

namespace IlgpuVae.Tests.Cuda;

/// <summary>
/// The decisions of <see cref="GraphReplay"/> against a simulated driver, so they are checked without a
/// GPU: in every case (graphs working, refused at each point, a failing launch, a sequence of another
/// shape) the simulated device must execute exactly the launches that direct launching would have
/// executed, in the same order, once each, and every graph must be freed.
/// </summary>
[TestFixture]
public sealed class GraphReplayTests
{
    /// <summary>
    /// A stream that either runs launches as they come or, while capturing, records them into a graph;
    /// launching an executable graph runs what it holds. Failures can be injected at each call.
    /// </summary>
    private sealed class SimulatedDriver : IGraphDriver
    {
        private readonly Dictionary<nint, List<string>> _graphs = new();
        private readonly Dictionary<nint, List<string>> _execs = new();
        private List<string>? _capture;
        private bool _invalidated;
        private nint _next = 1;

        public List<string> Executed { get; } = new();
        public List<string> Calls { get; } = new();
        public string? RefuseBegin { get; set; }
        public bool InvalidateCapture { get; set; }
        public bool RefuseUpdate { get; set; }
        public string? RefuseInstantiate { get; set; }
        public int LiveGraphs => _graphs.Count;
        public int LiveExecs => _execs.Count;
        public bool Capturing => _capture is not null;

        /// <summary>What a kernel launch does on this stream.</summary>
        public void Launch(string kernel)
        {
            if (_capture is null) { Executed.Add(kernel); return; }
            if (InvalidateCapture) _invalidated = true;
            _capture.Add(kernel);
        }

        public string? BeginCapture()
        {
            Calls.Add("begin");
            if (RefuseBegin is not null) return RefuseBegin;
            _capture = new List<string>();
            _invalidated = false;
            return null;
        }

        public nint EndCapture(out string? failure)
        {
            Calls.Add("end");
            Assert.That(_capture, Is.Not.Null, "EndCapture without a capture");
            var captured = _capture!;
            _capture = null;
            if (_invalidated) { failure = "CUDA_ERROR_STREAM_CAPTURE_INVALIDATED (901)"; return 0; }
            failure = null;
            nint graph = _next++;
            _graphs[graph] = captured;
            return graph;
        }

        public bool TryUpdate(nint exec, nint graph)
        {
            Calls.Add("update");
            if (RefuseUpdate || _execs[exec].Count != _graphs[graph].Count) return false;
            _execs[exec] = new List<string>(_graphs[graph]);
            return true;
        }

        public nint Instantiate(nint graph, out string? failure)
        {
            Calls.Add("instantiate");
            failure = RefuseInstantiate;
            if (failure is not null) return 0;
            nint exec = _next++;
            _execs[exec] = new List<string>(_graphs[graph]);
            return exec;
        }

        public void Launch(nint exec)
        {
            Calls.Add("launch");
            Assert.That(_capture, Is.Null, "a graph launched while capturing");
            Executed.AddRange(_execs[exec]);
        }

        public void DestroyGraph(nint graph) => Assert.That(_graphs.Remove(graph), Is.True, "unknown or twice-freed graph");

        public void DestroyExec(nint exec) => Assert.That(_execs.Remove(exec), Is.True, "unknown or twice-freed executable graph");
    }

    /// <summary>A training step's worth of launches whose arguments change with the step, as the trainer's do.</summary>
    private static Action Step(SimulatedDriver driver, int step) => () =>
    {
        driver.Launch($"gather(first={step * 100})");
        driver.Launch("linear_forward");
        driver.Launch($"sample_latent(position={step})");
        driver.Launch($"sum_rows(slot={step})");
        driver.Launch($"optimizer_update(step={step})");
    };

    private static List<string> Direct(int steps)
    {
        var driver = new SimulatedDriver();
        for (int s = 0; s < steps; s++) Step(driver, s)();
        return driver.Executed;
    }

    [Test]
    public void StepsAreCapturedOnceInstantiatedAndThenUpdatedInPlace()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, null);
        for (int s = 0; s < 5; s++) replay.Run(Step(driver, s));

        Assert.That(driver.Executed, Is.EqualTo(Direct(5)), "each step's own arguments, in order");
        Assert.That(replay.Replays, Is.EqualTo(5));
        Assert.That(replay.Instantiations, Is.EqualTo(1));
        Assert.That(replay.DirectRuns, Is.Zero);
        Assert.That(replay.DisabledReason, Is.Null);
        Assert.That(driver.Calls.Count(c => c == "update"), Is.EqualTo(4));
        Assert.That(driver.LiveGraphs, Is.Zero, "captured graphs are freed once instantiated or applied");
        replay.Dispose();
        Assert.That(driver.LiveExecs, Is.Zero);
        Assert.That(replay.Summary, Does.Contain("5 kernel sequences replayed, 1 instantiation"));
    }

    [Test]
    public void ASequenceOfAnotherShapeGetsANewExecutableGraph()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, null);
        replay.Run(Step(driver, 0));
        replay.Run(() => driver.Launch("log_mean_exp"));
        replay.Run(Step(driver, 1));

        Assert.That(driver.Executed, Is.EqualTo(new[] { Direct(1), new List<string> { "log_mean_exp" }, Direct(2).Skip(5).ToList() }.SelectMany(x => x)));
        Assert.That(replay.Instantiations, Is.EqualTo(3));
        Assert.That(driver.LiveExecs, Is.EqualTo(1), "the replaced executable graphs were freed");
        replay.Dispose();
        Assert.That(driver.LiveExecs, Is.Zero);
    }

    [Test]
    public void AFailedInPlaceUpdateReplacesTheExecutableGraph()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, null);
        replay.Run(Step(driver, 0));
        driver.RefuseUpdate = true;
        replay.Run(Step(driver, 1));

        Assert.That(driver.Executed, Is.EqualTo(Direct(2)));
        Assert.That(replay.Instantiations, Is.EqualTo(2));
        Assert.That(replay.DisabledReason, Is.Null, "an update that fails is not a reason to stop using graphs");
        Assert.That(driver.LiveExecs, Is.EqualTo(1));
    }

    [Test]
    public void ARefusedCaptureLaunchesDirectlyFromThenOn()
    {
        var driver = new SimulatedDriver { RefuseBegin = "CUDA_ERROR_NOT_SUPPORTED (801)" };
        var replay = new GraphReplay(driver, null);
        replay.Run(Step(driver, 0));
        driver.RefuseBegin = null;
        replay.Run(Step(driver, 1));

        Assert.That(driver.Executed, Is.EqualTo(Direct(2)));
        Assert.That(replay.DirectRuns, Is.EqualTo(2));
        Assert.That(driver.Calls.Count(c => c == "begin"), Is.EqualTo(1), "no second attempt once off");
        Assert.That(replay.DisabledReason, Does.Contain("CUDA_ERROR_NOT_SUPPORTED"));
        Assert.That(replay.Summary, Does.StartWith("CUDA graphs off (stream capture could not start"));
    }

    [Test]
    public void AnInvalidatedCaptureRunsTheSequenceAgainDirectly()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, null);
        replay.Run(Step(driver, 0));
        driver.InvalidateCapture = true;
        replay.Run(Step(driver, 1));
        replay.Run(Step(driver, 2));

        Assert.That(driver.Executed, Is.EqualTo(Direct(3)), "nothing lost, nothing run twice");
        Assert.That(replay.Replays, Is.EqualTo(1));
        Assert.That(replay.DirectRuns, Is.EqualTo(2));
        Assert.That(replay.DisabledReason, Does.Contain("STREAM_CAPTURE_INVALIDATED"));
        Assert.That(driver.LiveExecs, Is.Zero, "the executable graph is freed when graphs are turned off");
        Assert.That(driver.LiveGraphs, Is.Zero);
    }

    [Test]
    public void AFailedInstantiationLaunchesDirectly()
    {
        var driver = new SimulatedDriver { RefuseInstantiate = "CUDA_ERROR_INVALID_VALUE (1)" };
        var replay = new GraphReplay(driver, null);
        replay.Run(Step(driver, 0));
        replay.Run(Step(driver, 1));

        Assert.That(driver.Executed, Is.EqualTo(Direct(2)));
        Assert.That(replay.DisabledReason, Does.Contain("could not be instantiated"));
        Assert.That(driver.LiveGraphs, Is.Zero);
    }

    [Test]
    public void ALaunchThatThrowsDuringCaptureEndsTheCaptureAndRaisesItsErrorDirectly()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, null);
        int attempts = 0;
        var error = Assert.Throws<ArgumentException>(() => replay.Run(() =>
        {
            attempts++;
            driver.Launch("gather");
            throw new ArgumentException("x holds 10 elements, the shape needs 784");
        }));

        Assert.That(error!.Message, Does.Contain("784"));
        Assert.That(attempts, Is.EqualTo(2), "captured once, then run directly where the error is real");
        Assert.That(driver.Capturing, Is.False, "the capture was ended");
        Assert.That(driver.Executed, Is.EqualTo(new[] { "gather" }), "only the direct attempt ran");
        Assert.That(driver.LiveGraphs, Is.Zero);
        Assert.That(replay.DisabledReason, Is.Null, "a caller's error is no reason to stop using graphs");
        replay.Run(Step(driver, 1));
        Assert.That(replay.Replays, Is.EqualTo(1), "the next sequence is replayed as a graph");
    }

    [Test]
    public void ADriverErrorDuringCaptureTurnsGraphsOff()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, null);
        int attempts = 0;
        replay.Run(() =>
        {
            attempts++;
            driver.Launch("gather");
            if (attempts == 1) throw new AcceleratorFailureException("cuLaunchKernel failed: CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED (900)");
        });

        Assert.That(attempts, Is.EqualTo(2), "captured once, then run directly");
        Assert.That(driver.Executed, Is.EqualTo(new[] { "gather" }));
        Assert.That(replay.DisabledReason, Does.Contain("a launch failed during capture").And.Contain("CAPTURE_UNSUPPORTED"));
        Assert.That(driver.Capturing, Is.False);
        Assert.That(driver.LiveGraphs, Is.Zero);
    }

    [Test]
    public void GraphsTurnedOffByTheCallerAreNeverCaptured()
    {
        var driver = new SimulatedDriver();
        var replay = new GraphReplay(driver, "turned off by the caller (--no-cuda-graphs)");
        for (int s = 0; s < 3; s++) replay.Run(Step(driver, s));

        Assert.That(driver.Executed, Is.EqualTo(Direct(3)));
        Assert.That(driver.Calls, Is.Empty);
        Assert.That(replay.Summary, Does.Contain("--no-cuda-graphs").And.Contain("3 launched directly"));
    }
}

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// The driver operations that <see cref="GraphReplay"/> needs on one stream. An interface so that the
/// replay's decisions (capture, update or instantiate, give up and launch directly) are tested without
/// a GPU; <see cref="CudaGraphDriver"/> is the real one.
/// </summary>
internal interface IGraphDriver
{
    /// <summary>Starts capturing the stream's launches into a graph; null, or why capture could not start.</summary>
    string? BeginCapture();

    /// <summary>Ends the capture: the captured graph, or 0 and <paramref name="failure"/> (the capture was invalidated).</summary>
    nint EndCapture(out string? failure);

    /// <summary>Makes <paramref name="exec"/> run <paramref name="graph"/> by updating it in place; false when that is not possible.</summary>
    bool TryUpdate(nint exec, nint graph);

    /// <summary>A new executable graph of <paramref name="graph"/>, or 0 and <paramref name="failure"/>.</summary>
    nint Instantiate(nint graph, out string? failure);

    /// <summary>Queues <paramref name="exec"/> on the stream; a failure is a real launch error and throws.</summary>
    void Launch(nint exec);

    /// <summary>Frees a captured graph (its executable copy stays valid).</summary>
    void DestroyGraph(nint graph);

    /// <summary>Frees an executable graph.</summary>
    void DestroyExec(nint exec);
}

/// <summary>
/// Runs kernel sequences (<see cref="Accelerator.RunKernelSequence"/>) as CUDA graphs. Each run is
/// captured afresh from the stream, so every launch carries exactly the arguments a direct launch would
/// (the step's Philox position, minibatch offset, ELBO slot, optimizer scalars); the capture then updates
/// the one executable graph in place (cuGraphExecUpdate: same kernels and shapes, new arguments), which is
/// far cheaper than instantiating, and the executable graph is launched as one unit. The device thus
/// sees the same kernels with the same arguments in the same order as without graphs, and gives the
/// same bits. When the driver refuses any part of this, graphs are turned off for the accelerator (the
/// reason is kept) and that run and all later ones launch directly; nothing has executed when a capture
/// fails, so the sequence is simply queued again.
/// </summary>
internal sealed class GraphReplay : IDisposable
{
    private readonly IGraphDriver _driver;
    private nint _exec;

    /// <summary>Replays through <paramref name="driver"/>; a non-null <paramref name="disabledReason"/> turns graphs off from the start.</summary>
    public GraphReplay(IGraphDriver driver, string? disabledReason)
    {
        _driver = driver;
        DisabledReason = disabledReason;
    }

    /// <summary>Why sequences are launched directly (null while graphs are in use).</summary>
    public string? DisabledReason { get; private set; }

    /// <summary>Sequences launched as a graph.</summary>
    public long Replays { get; private set; }

    /// <summary>Executable graphs instantiated (1 when every sequence had the same shape).</summary>
    public long Instantiations { get; private set; }

    /// <summary>Sequences launched directly, kernel by kernel.</summary>
    public long DirectRuns { get; private set; }

    /// <summary>One line for logs: "CUDA graphs: 600 steps replayed, 1 instantiation" or why they are off.</summary>
    public string Summary => DisabledReason is null
        ? $"CUDA graphs: {Replays} kernel sequences replayed, {Instantiations} instantiation{(Instantiations == 1 ? "" : "s")}"
        : $"CUDA graphs off ({DisabledReason}): {Replays} kernel sequences replayed, {DirectRuns} launched directly";

    /// <summary>Queues <paramref name="queueKernels"/>'s launches, as a graph when possible.</summary>
    public void Run(Action queueKernels)
    {
        if (DisabledReason is not null)
        {
            RunDirectly(queueKernels);
            return;
        }
        if (_driver.BeginCapture() is string refused)
        {
            Disable($"stream capture could not start: {refused}");
            RunDirectly(queueKernels);
            return;
        }

        try
        {
            queueKernels();
        }
        catch (Exception e)
        {
            // Nothing ran: the launches went into the capture. End it and queue the sequence directly, where
            // a genuine error is raised again. The engine's own refusals and shape checks (an operation a
            // sequence cannot hold, a buffer too small) are the caller's errors and say nothing about graphs;
            // anything else (the driver refusing a launch under capture) turns graphs off.
            nint partial = _driver.EndCapture(out _);
            if (partial != 0) _driver.DestroyGraph(partial);
            if (e is not (InvalidOperationException or ArgumentException)) Disable($"a launch failed during capture: {e.Message}");
            RunDirectly(queueKernels);
            return;
        }
        nint graph = _driver.EndCapture(out string? invalidated);
        if (graph == 0)
        {
            Disable($"the capture was invalidated: {invalidated}");
            RunDirectly(queueKernels);
            return;
        }

        try
        {
            if (_exec != 0 && !_driver.TryUpdate(_exec, graph))
            {
                // A sequence of another shape (different kernels or launch sizes): start a new executable.
                _driver.DestroyExec(_exec);
                _exec = 0;
            }
            if (_exec == 0)
            {
                _exec = _driver.Instantiate(graph, out string? failure);
                if (_exec == 0)
                {
                    Disable($"the graph could not be instantiated: {failure}");
                    RunDirectly(queueKernels);
                    return;
                }
                Instantiations++;
            }
        }
        finally
        {
            _driver.DestroyGraph(graph);
        }
        _driver.Launch(_exec);
        Replays++;
    }

    private void RunDirectly(Action queueKernels)
    {
        queueKernels();
        DirectRuns++;
    }

    private void Disable(string reason)
    {
        DisabledReason = reason;
        if (_exec != 0)
        {
            _driver.DestroyExec(_exec);
            _exec = 0;
        }
    }

    /// <summary>Frees the executable graph (the stream must have finished with it).</summary>
    public void Dispose()
    {
        if (_exec == 0) return;
        _driver.DestroyExec(_exec);
        _exec = 0;
    }
}

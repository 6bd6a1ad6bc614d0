using static IlgpuVae.Engine.Accelerators.Cuda.CudaGraphNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// <see cref="IGraphDriver"/> on one CUDA stream of ILGPU's: stream capture in thread-local mode (an
/// operation that a graph cannot hold, made by the capturing thread, invalidates the capture instead of
/// running), cuGraphExecUpdate for the in-place update, cuGraphLaunch on the same stream.
/// </summary>
/// <param name="stream">The stream (<c>CUstream</c>) all of the accelerator's work is queued on.</param>
/// <param name="bind">Makes the accelerator's CUDA context current on the calling thread.</param>
internal sealed unsafe class CudaGraphDriver(nint stream, Action bind) : IGraphDriver
{
    public string? BeginCapture()
    {
        bind();
        try
        {
            int code = cuStreamBeginCapture_v2(stream, CaptureModeThreadLocal);
            return code == Success ? null : Describe(code);
        }
        catch (EntryPointNotFoundException e)
        {
            // A driver older than CUDA 12 lacks part of the graph API: launch directly instead.
            return $"the CUDA driver lacks {e.Message} (CUDA graphs need a CUDA 12 driver or newer)";
        }
    }

    public nint EndCapture(out string? failure)
    {
        nint graph = 0;
        int code = cuStreamEndCapture(stream, &graph);
        failure = code == Success ? null : Describe(code);
        if (code != Success && graph != 0)
        {
            cuGraphDestroy(graph);
            graph = 0;
        }
        return graph;
    }

    public bool TryUpdate(nint exec, nint graph)
    {
        GraphExecUpdateResultInfo info;
        // Any failure (CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE for a different topology, or anything else)
        // may leave the executable graph half updated; the caller replaces it rather than launch it.
        return cuGraphExecUpdate_v2(exec, graph, &info) == Success;
    }

    public nint Instantiate(nint graph, out string? failure)
    {
        nint exec = 0;
        int code = cuGraphInstantiateWithFlags(&exec, graph, 0);
        failure = code == Success ? null : Describe(code);
        return code == Success ? exec : 0;
    }

    public void Launch(nint exec)
    {
        int code = cuGraphLaunch(exec, stream);
        if (code != Success) throw new AcceleratorFailureException($"cuGraphLaunch failed: {Describe(code)}");
    }

    public void DestroyGraph(nint graph) => cuGraphDestroy(graph);

    public void DestroyExec(nint exec) => cuGraphExecDestroy(exec);
}

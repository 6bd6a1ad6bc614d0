using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// <see cref="IGraphDriver"/> on a CUDA accelerator's stream: stream capture in thread-local mode (so an
/// operation that a graph cannot hold, made by the capturing thread, invalidates the capture instead of
/// running), cuGraphExecUpdate for the in-place update, cuGraphLaunch on the same stream.
/// </summary>
internal sealed unsafe class CudaGraphDriver(CudaAccelerator owner) : IGraphDriver
{
    public string? BeginCapture()
    {
        int code = cuStreamBeginCapture_v2(owner.Stream, StreamCaptureModeThreadLocal);
        return code == Success ? null : CudaException.Describe(code);
    }

    public nint EndCapture(out string? failure)
    {
        nint graph = 0;
        int code = cuStreamEndCapture(owner.Stream, &graph);
        failure = code == Success ? null : CudaException.Describe(code);
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
        int code = cuGraphExecUpdate_v2(exec, graph, &info);
        // Any failure (CUDA_ERROR_GRAPH_EXEC_UPDATE_FAILURE for a different topology, or anything else)
        // may leave the executable graph half updated; the caller replaces it rather than launch it.
        return code == Success;
    }

    public nint Instantiate(nint graph, out string? failure)
    {
        nint exec = 0;
        int code = cuGraphInstantiateWithFlags(&exec, graph, 0);
        failure = code == Success ? null : CudaException.Describe(code);
        return code == Success ? exec : 0;
    }

    public void Launch(nint exec) => CudaException.Check(cuGraphLaunch(exec, owner.Stream), "cuGraphLaunch");

    public void DestroyGraph(nint graph) => cuGraphDestroy(graph);

    public void DestroyExec(nint exec) => cuGraphExecDestroy(exec);
}

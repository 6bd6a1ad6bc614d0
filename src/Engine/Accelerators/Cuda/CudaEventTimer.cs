using static IlgpuVae.Engine.Accelerators.Cuda.CudaNative;

namespace IlgpuVae.Engine.Accelerators.Cuda;

/// <summary>
/// Times work on a stream with two CUDA events, read by the GPU's own clock: the start event is
/// recorded before the work is queued and the end event after it, so the figure is the time the
/// stream took from finishing the work before to finishing this work, without the host's wait for it.
/// When the host queues launches more slowly than the GPU runs them, the GPU idles between them and
/// that idle time is counted too: the figure is then the launch rate, which is what limits such code.
/// </summary>
internal static unsafe class CudaEventTimer
{
    /// <summary>Queues <paramref name="work"/> on <paramref name="stream"/> between two events and returns the time between them.</summary>
    public static TimeSpan Measure(nint stream, Action work)
    {
        nint start = 0, end = 0;
        try
        {
            // Flags 0 (CU_EVENT_DEFAULT): timing enabled, which cuEventElapsedTime needs; the wait spins
            // instead of sleeping, which costs a host core for the length of a measurement only.
            CudaException.Check(cuEventCreate(&start, 0), "cuEventCreate");
            CudaException.Check(cuEventCreate(&end, 0), "cuEventCreate");
            CudaException.Check(cuEventRecord(start, stream), "cuEventRecord");
            work();
            CudaException.Check(cuEventRecord(end, stream), "cuEventRecord");
            CudaException.Check(cuEventSynchronize(end), "cuEventSynchronize");
            float milliseconds = 0;
            CudaException.Check(cuEventElapsedTime(&milliseconds, start, end), "cuEventElapsedTime");
            return FromMilliseconds(milliseconds);
        }
        finally
        {
            // Errors are ignored here: the failure that got us here has already been raised.
            if (end != 0) cuEventDestroy_v2(end);
            if (start != 0) cuEventDestroy_v2(start);
        }
    }

    /// <summary>The driver's float milliseconds (about 0.5 µs resolution) as a TimeSpan, to the nearest 100 ns tick.</summary>
    internal static TimeSpan FromMilliseconds(float milliseconds) =>
        TimeSpan.FromTicks((long)Math.Round(milliseconds * (double)TimeSpan.TicksPerMillisecond));
}

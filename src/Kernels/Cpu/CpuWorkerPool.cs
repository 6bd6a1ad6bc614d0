using System.Runtime.CompilerServices;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// A job that a <see cref="CpuWorkerPool"/> runs over the index range [0, count): each call gets a
/// contiguous sub-range. Jobs are structs holding pointers, so a launch allocates nothing.
/// </summary>
public interface IRangeJob
{
    /// <summary>Processes the items in [start, end).</summary>
    void Run(int start, int end);
}

/// <summary>
/// Fixed worker threads for the CPU kernels. A launch splits [0, count) into one contiguous chunk per
/// thread; the calling thread works on chunk 0. The split only decides who computes an output, never
/// how: every output element is computed by the same operations whatever the thread count, which is
/// what makes results independent of it. (ILGPU's CPU accelerator uses one OS thread per lane, which is
/// slow; this pool has one thread per core and a launch costs two signal operations per worker.)
/// </summary>
public sealed unsafe class CpuWorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly SemaphoreSlim[] _start;
    private readonly CountdownEvent _done;
    private void* _job;
    private delegate*<void*, int, int, void> _dispatch;
    private int _count;
    private int _chunks;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>Creates a pool of <paramref name="threads"/> threads (the caller counts as one).</summary>
    public CpuWorkerPool(int threads)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "at least one thread");
        ThreadCount = threads;
        _threads = new Thread[threads - 1];
        _start = new SemaphoreSlim[threads - 1];
        _done = new CountdownEvent(1);
        for (int i = 0; i < _threads.Length; i++)
        {
            int worker = i + 1;
            _start[i] = new SemaphoreSlim(0);
            _threads[i] = new Thread(() => WorkerLoop(worker)) { IsBackground = true, Name = $"ilgpuvae-cpu-{worker}" };
            _threads[i].Start();
        }
    }

    /// <summary>Number of threads that run a launch, the caller included.</summary>
    public int ThreadCount { get; }

    /// <summary>
    /// Runs <paramref name="job"/> over [0, count), split into at most <see cref="ThreadCount"/> chunks,
    /// and returns when all are done. Not re-entrant: one launch at a time.
    /// </summary>
    public void Run<TJob>(int count, ref TJob job) where TJob : struct, IRangeJob
    {
        if (count <= 0) return;
        int chunks = System.Math.Min(ThreadCount, count);
        if (chunks == 1)
        {
            job.Run(0, count);
            return;
        }
        _job = Unsafe.AsPointer(ref job);
        _dispatch = &Dispatch<TJob>;
        _count = count;
        _chunks = chunks;
        _failure = null;
        _done.Reset(chunks - 1);
        for (int i = 0; i < chunks - 1; i++) _start[i].Release();
        try
        {
            job.Run(0, ChunkEnd(0, count, chunks));
        }
        finally
        {
            _done.Wait();
            _job = null;
        }
        if (_failure is not null) throw new AggregateException("a CPU kernel worker failed", _failure);
    }

    private static int ChunkEnd(int chunk, int count, int chunks) => (int)((long)count * (chunk + 1) / chunks);

    private static void Dispatch<TJob>(void* job, int start, int end) where TJob : struct, IRangeJob
        => Unsafe.AsRef<TJob>(job).Run(start, end);

    private void WorkerLoop(int worker)
    {
        while (true)
        {
            _start[worker - 1].Wait();
            if (_disposed) return;
            try
            {
                int start = ChunkEnd(worker - 1, _count, _chunks), end = ChunkEnd(worker, _count, _chunks);
                _dispatch(_job, start, end);
            }
            catch (Exception e)
            {
                _failure = e;
            }
            finally
            {
                _done.Signal();
            }
        }
    }

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Release();
        foreach (var t in _threads) t.Join();
        foreach (var s in _start) s.Dispose();
        _done.Dispose();
    }
}

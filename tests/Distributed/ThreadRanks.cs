using IlgpuVae.Engine.Distributed;

namespace IlgpuVae.Tests.Distributed;

/// <summary>
/// The ranks of a data-parallel job as threads of this process: an <see cref="ICommunicator"/> per rank over
/// shared memory, so the tests run jobs of any size in milliseconds, without MPI. Every collective is a
/// rendezvous: each rank posts what it sends, all wait, each takes what is meant for it, all wait again.
/// </summary>
internal sealed class ThreadRanks
{
    private readonly Barrier _barrier;
    private readonly object?[] _posted;

    private ThreadRanks(int size)
    {
        _barrier = new Barrier(size);
        _posted = new object?[size];
    }

    /// <summary>
    /// Runs <paramref name="body"/> on <paramref name="size"/> threads, one rank each, and returns each rank's
    /// result in rank order; an exception on any rank fails the whole run (the others are released).
    /// </summary>
    public static T[] Run<T>(int size, Func<ICommunicator, T> body)
    {
        var world = new ThreadRanks(size);
        var results = new T[size];
        var errors = new Exception?[size];
        var threads = Enumerable.Range(0, size).Select(r => new Thread(() =>
        {
            try
            {
                results[r] = body(new ThreadRank(world, r));
            }
            catch (Exception e)
            {
                errors[r] = e;
                world._barrier.Dispose(); // the ranks waiting for this one fail instead of hanging
            }
        }, 16 << 20)).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        var first = errors.FirstOrDefault(e => e is not null and not ObjectDisposedException) ?? errors.FirstOrDefault(e => e is not null);
        if (first is not null) throw new AggregateException($"a rank of {size} failed", first);
        return results;
    }

    private T[] Exchange<T>(int rank, T mine)
    {
        _posted[rank] = mine;
        _barrier.SignalAndWait();
        var all = _posted.Select(p => (T)p!).ToArray();
        _barrier.SignalAndWait();
        return all;
    }

    private sealed class ThreadRank(ThreadRanks world, int rank) : ICommunicator
    {
        public int Rank => rank;

        public int Size => world._posted.Length;

        public void AllToAll(ReadOnlySpan<float> send, int[] sendCounts, Span<float> receive, int[] receiveCounts)
        {
            var all = world.Exchange(rank, (Data: send.ToArray(), Counts: (int[])sendCounts.Clone()));
            int at = 0;
            for (int q = 0; q < Size; q++)
            {
                int offset = all[q].Counts.Take(rank).Sum(), count = all[q].Counts[rank];
                if (count != receiveCounts[q]) throw new InvalidOperationException($"rank {q} sends {count} floats to rank {rank}, which expects {receiveCounts[q]}");
                all[q].Data.AsSpan(offset, count).CopyTo(receive.Slice(at));
                at += count;
            }
        }

        public void AllGather(ReadOnlySpan<float> send, Span<float> receive, int[] counts)
        {
            var all = world.Exchange(rank, send.ToArray());
            int at = 0;
            for (int q = 0; q < Size; q++)
            {
                if (all[q].Length != counts[q]) throw new InvalidOperationException($"rank {q} gathers {all[q].Length} floats, {counts[q]} expected");
                all[q].CopyTo(receive.Slice(at));
                at += all[q].Length;
            }
        }

        public void AllGather(ReadOnlySpan<byte> send, Span<byte> receive)
        {
            var all = world.Exchange(rank, send.ToArray());
            for (int q = 0; q < Size; q++) all[q].CopyTo(receive.Slice(q * send.Length));
        }

        public void Broadcast(Span<byte> buffer, int root)
        {
            var all = world.Exchange(rank, buffer.ToArray());
            all[root].CopyTo(buffer);
        }

        public void Barrier() => world.Exchange(rank, 0);

        public void Abort(int exitCode) => throw new InvalidOperationException($"rank {rank} aborted the job with exit code {exitCode}");
    }
}

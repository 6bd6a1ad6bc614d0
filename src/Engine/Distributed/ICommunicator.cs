namespace IlgpuVae.Engine.Distributed;

/// <summary>
/// The processes that train one model together, rank 0 to <see cref="Size"/> − 1: the collective operations
/// data-parallel training needs, all of them moving bytes only (no arithmetic happens inside a collective, so
/// none can change a result's bits). Every rank must call each collective in the same order. An MPI job
/// (<c>MpiCommunicator</c>) is the real one; the tests also run ranks as threads of one process.
/// </summary>
internal interface ICommunicator
{
    /// <summary>This process's rank, 0 … <see cref="Size"/> − 1.</summary>
    int Rank { get; }

    /// <summary>The number of ranks.</summary>
    int Size { get; }

    /// <summary>
    /// All-to-all exchange: <paramref name="sendCounts"/>[q] floats from <paramref name="send"/> (consecutive
    /// blocks in rank order) go to rank q, and rank q's block for this rank lands in <paramref name="receive"/>,
    /// the blocks in rank order, <paramref name="receiveCounts"/>[q] floats each.
    /// </summary>
    void AllToAll(ReadOnlySpan<float> send, int[] sendCounts, Span<float> receive, int[] receiveCounts);

    /// <summary>
    /// Every rank's <paramref name="send"/> (<paramref name="counts"/>[rank] floats) concatenated in rank
    /// order into every rank's <paramref name="receive"/>.
    /// </summary>
    void AllGather(ReadOnlySpan<float> send, Span<float> receive, int[] counts);

    /// <summary>Every rank's <paramref name="send"/> (the same length on every rank) concatenated in rank order into <paramref name="receive"/>.</summary>
    void AllGather(ReadOnlySpan<byte> send, Span<byte> receive);

    /// <summary>Rank <paramref name="root"/>'s <paramref name="buffer"/> copied into every other rank's (the same length everywhere).</summary>
    void Broadcast(Span<byte> buffer, int root);

    /// <summary>Waits until every rank has called it.</summary>
    void Barrier();

    /// <summary>Ends every process of the job with <paramref name="exitCode"/>; does not return.</summary>
    void Abort(int exitCode);
}

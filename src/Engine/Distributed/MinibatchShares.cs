using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Distributed;

/// <summary>
/// How the ranks of a data-parallel job share each minibatch: the minibatch's fixed parts
/// (<see cref="BatchParts"/>, a training setting) are dealt out in order, rank r taking parts
/// ⌊r·G/P⌋ up to ⌊(r+1)·G/P⌋ of G, so every rank has at least one part when P ≤ G and the counts differ by
/// at most one. Which rank computes a part never changes the part's sums, so every P from 1 to G gives the
/// same bits; P dividing G balances the work.
/// </summary>
internal sealed class MinibatchShares
{
    /// <summary>The shares of a minibatch of <paramref name="batch"/> in <paramref name="parts"/> parts among <paramref name="ranks"/> ranks.</summary>
    public MinibatchShares(int batch, int parts, int ranks)
    {
        if (batch < 1 || parts < 1 || parts > batch) throw new ArgumentOutOfRangeException(nameof(parts), $"{parts} parts of a minibatch of {batch}");
        if (ranks < 1 || ranks > parts)
            throw SameOnEveryRank.Mark(new InputException($"{ranks} processes cannot share a minibatch of {parts} parts: at most {parts} can " +
                                     $"(--batch-parts {parts}{(parts < batch ? "" : ", limited by --batch-size")}); start at most {parts} processes, or a new run with more --batch-parts"));
        Batch = batch;
        Parts = parts;
        Ranks = ranks;
    }

    /// <summary>Datapoints per minibatch.</summary>
    public int Batch { get; }

    /// <summary>Parts per minibatch.</summary>
    public int Parts { get; }

    /// <summary>Ranks sharing it.</summary>
    public int Ranks { get; }

    /// <summary>The first part of rank <paramref name="rank"/> (rank = <see cref="Ranks"/> gives <see cref="Parts"/>).</summary>
    public int FirstPart(int rank) => (int)((long)rank * Parts / Ranks);

    /// <summary>How many parts rank <paramref name="rank"/> computes.</summary>
    public int PartCount(int rank) => FirstPart(rank + 1) - FirstPart(rank);

    /// <summary>Rank <paramref name="rank"/>'s parts, each part's sums written <paramref name="stride"/> floats apart (0: added up).</summary>
    public BatchParts Of(int rank, int stride) => new(Batch, Parts, FirstPart(rank), PartCount(rank), 1, stride);

    /// <summary>The first datapoint of rank <paramref name="rank"/>'s share.</summary>
    public int FirstDatapoint(int rank) => (int)((long)FirstPart(rank) * Batch / Parts);

    /// <summary>The number of datapoints in rank <paramref name="rank"/>'s share.</summary>
    public int Datapoints(int rank) => FirstDatapoint(rank + 1) - FirstDatapoint(rank);
}

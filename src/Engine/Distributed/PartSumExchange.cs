using System.Numerics;

namespace IlgpuVae.Engine.Distributed;

/// <summary>
/// The sum over a minibatch's parts when the parts are spread over the ranks of a job (docs/kernels.md,
/// "Minibatch parts"): every rank holds the vectors of its own parts (gradient, ELBO sum, …), and every rank
/// must end with s = p₀ + p₁ + … + p_{G−1}, added left to right in part order — exactly what one process
/// computes when it holds all the parts, so the bits do not depend on the number of ranks.
/// </summary>
/// <remarks>
/// The vector is cut into one segment per rank. An all-to-all sends each rank the segment it owns of every
/// part; since the ranks hold consecutive parts in rank order, the owner receives the G copies of its segment
/// in part order, adds them left to right, and an all-gather hands the summed segments to every rank. Each
/// rank sends its parts' vectors once ((P − 1)/P of them leave the process) and the summed vector once: for
/// g parts per rank about (g + 1)·L·(P − 1)/P floats, L the vector's length. MPI only moves the floats; the
/// additions all happen here, in the written order.
/// </remarks>
internal sealed class PartSumExchange
{
    private readonly ICommunicator _ranks;
    private readonly MinibatchShares _shares;
    private readonly int[] _segmentStart;
    private readonly int[] _sendCounts, _receiveCounts, _segmentLengths;
    private readonly float[] _send, _receive, _segment;

    /// <summary>An exchange of part vectors of <paramref name="length"/> floats among the ranks of <paramref name="ranks"/>.</summary>
    public PartSumExchange(ICommunicator ranks, MinibatchShares shares, int length)
    {
        if (shares.Ranks != ranks.Size) throw new ArgumentException($"shares for {shares.Ranks} ranks in a job of {ranks.Size}", nameof(shares));
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        _ranks = ranks;
        _shares = shares;
        Length = length;
        int p = ranks.Size, me = ranks.Rank;
        _segmentStart = Enumerable.Range(0, p + 1).Select(q => (int)((long)q * length / p)).ToArray();
        _segmentLengths = Enumerable.Range(0, p).Select(q => _segmentStart[q + 1] - _segmentStart[q]).ToArray();
        int mine = shares.PartCount(me);
        _sendCounts = _segmentLengths.Select(n => checked(n * mine)).ToArray();
        _receiveCounts = Enumerable.Range(0, p).Select(q => checked(shares.PartCount(q) * _segmentLengths[me])).ToArray();
        _send = new float[(long)mine * length];
        _receive = new float[(long)shares.Parts * _segmentLengths[me]];
        _segment = new float[_segmentLengths[me]];
    }

    /// <summary>Floats per part vector.</summary>
    public int Length { get; }

    /// <summary>
    /// Floats this rank sends to other ranks per <see cref="Sum(Span{float})"/>: its parts' segments owned elsewhere, and its
    /// summed segment to every other rank (what a direct exchange moves; MPI's algorithms may relay some).
    /// </summary>
    public long FloatsSent
    {
        get
        {
            int me = _ranks.Rank;
            return (long)_shares.PartCount(me) * (Length - _segmentLengths[me]) + (long)_segmentLengths[me] * (_ranks.Size - 1);
        }
    }

    /// <summary>The segment of the vector that rank <paramref name="owner"/> adds up: its first element and length.</summary>
    public (int Start, int Length) Segment(int owner) => (_segmentStart[owner], _segmentLengths[owner]);

    /// <summary>
    /// Where segment <paramref name="owner"/> of this rank's part <paramref name="part"/> (counted from its first
    /// part) goes, to be filled before <see cref="Sum(Span{float})"/> — straight from the accelerator, with no
    /// copy of the whole vectors on the way.
    /// </summary>
    public Span<float> Slot(int owner, int part)
    {
        int mine = _shares.PartCount(_ranks.Rank);
        ArgumentOutOfRangeException.ThrowIfNegative(part);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(part, mine);
        // Blocks in rank order, and within a rank's block this rank's parts in order.
        return _send.AsSpan(_segmentStart[owner] * mine + _segmentLengths[owner] * part, _segmentLengths[owner]);
    }

    /// <summary>
    /// <paramref name="total"/> = the sum over all parts, from <paramref name="myParts"/>: this rank's parts'
    /// vectors one after the other, in part order (<see cref="Length"/> floats each). Every rank must call it.
    /// </summary>
    public void Sum(ReadOnlySpan<float> myParts, Span<float> total)
    {
        int mine = _shares.PartCount(_ranks.Rank);
        if (myParts.Length != (long)mine * Length) throw new ArgumentException($"{myParts.Length} floats for {mine} parts of {Length}", nameof(myParts));
        for (int q = 0; q < _ranks.Size; q++)
            for (int j = 0; j < mine; j++)
                myParts.Slice(j * Length + _segmentStart[q], _segmentLengths[q]).CopyTo(Slot(q, j));
        Sum(total);
    }

    /// <summary>
    /// <paramref name="total"/> = the sum over all parts, from this rank's parts' segments filled into the
    /// <see cref="Slot"/>s. Every rank must call it.
    /// </summary>
    public void Sum(Span<float> total)
    {
        if (total.Length != Length) throw new ArgumentException($"{total.Length} floats for a sum of {Length}", nameof(total));
        _ranks.AllToAll(_send, _sendCounts, _receive, _receiveCounts);
        // The G copies of this rank's segment arrived in part order: add them left to right.
        int n = _segment.Length;
        _receive.AsSpan(0, n).CopyTo(_segment);
        for (int part = 1; part < _shares.Parts; part++) AddInto(_segment, _receive.AsSpan(part * n, n));
        _ranks.AllGather(_segment, total, _segmentLengths);
    }

    /// <summary>sum[i] = sum[i] + next[i] (IEEE single additions lane by lane, the same bits as one at a time).</summary>
    private static void AddInto(Span<float> sum, ReadOnlySpan<float> next)
    {
        int i = 0;
        for (; i + Vector<float>.Count <= sum.Length; i += Vector<float>.Count)
            (new Vector<float>(sum.Slice(i)) + new Vector<float>(next.Slice(i))).CopyTo(sum.Slice(i));
        for (; i < sum.Length; i++) sum[i] = sum[i] + next[i];
    }
}

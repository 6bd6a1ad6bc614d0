using System.Security.Cryptography;

namespace IlgpuVae.Engine.Distributed;

/// <summary>
/// Checks that every rank holds the same thing as rank 0 — the same data, configuration, parameters — by
/// comparing SHA-256 digests (32 bytes per rank, one all-gather): cheap enough to run at every checkpoint.
/// </summary>
internal static class RankAgreement
{
    /// <summary>
    /// Throws <see cref="RanksDisagreeException"/> on every rank, naming the ranks whose digest of
    /// <paramref name="what"/> differs from rank 0's, unless all agree. Every rank must call it.
    /// </summary>
    public static void Check(ICommunicator ranks, string what, ReadOnlySpan<byte> digest)
    {
        if (digest.Length != SHA256.HashSizeInBytes) throw new ArgumentException("a SHA-256 digest", nameof(digest));
        var all = new byte[SHA256.HashSizeInBytes * ranks.Size];
        ranks.AllGather(digest, all);
        var differ = new List<int>();
        for (int r = 1; r < ranks.Size; r++)
            if (!all.AsSpan(r * SHA256.HashSizeInBytes, SHA256.HashSizeInBytes).SequenceEqual(all.AsSpan(0, SHA256.HashSizeInBytes)))
                differ.Add(r);
        if (differ.Count > 0)
            throw new RanksDisagreeException($"{(differ.Count == 1 ? "rank" : "ranks")} {string.Join(", ", differ)} of {ranks.Size} hold other {what} than rank 0");
    }
}

/// <summary>
/// Ranks of a data-parallel job hold different states where they must hold the same bits: a device that does
/// not keep the determinism contract, a rank on other data, or a defect. Known to every rank alike.
/// </summary>
/// <param name="message">One line naming the ranks and what differs.</param>
internal sealed class RanksDisagreeException(string message) : Exception(message);

using System.Buffers.Binary;
using IlgpuVae.Engine.Distributed;

namespace IlgpuVae.Runner.Parallel;

/// <summary>A message of any length from one rank to every other rank: its length, then its bytes, by two broadcasts.</summary>
internal static class RankMessage
{
    /// <summary>Rank 0 sends <paramref name="payload"/> (other ranks pass null); every rank returns it.</summary>
    public static byte[] FromLeader(ICommunicator ranks, byte[]? payload) => From(ranks, 0, payload);

    /// <summary>Rank <paramref name="root"/> sends <paramref name="payload"/> (other ranks pass null); every rank returns it.</summary>
    public static byte[] From(ICommunicator ranks, int root, byte[]? payload)
    {
        Span<byte> header = stackalloc byte[8];
        if (ranks.Rank == root) BinaryPrimitives.WriteInt64LittleEndian(header, payload!.LongLength);
        ranks.Broadcast(header, root);
        long length = BinaryPrimitives.ReadInt64LittleEndian(header);
        if (length < 0 || length > int.MaxValue) throw new InvalidDataException($"a message of {length} bytes from rank {root}");
        var bytes = ranks.Rank == root ? payload! : new byte[length];
        ranks.Broadcast(bytes, root);
        return bytes;
    }
}

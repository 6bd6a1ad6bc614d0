using FsCheck;
using FsCheck.Fluent;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// One random damage to a file's bytes, for the property-based reader tests: flip bits of a byte,
/// overwrite a byte, cut the file, extend it, copy a piece of it over another place (a splice), insert
/// or delete a run of bytes. Positions are taken modulo the length, so any mutation applies to any file.
/// </summary>
/// <param name="Kind">Which damage (0–6).</param>
/// <param name="Position">Where (modulo the length).</param>
/// <param name="Count">How many bytes, for runs.</param>
/// <param name="Value">The bit mask or byte value.</param>
/// <param name="Source">The other position of a splice.</param>
internal sealed record Mutation(int Kind, int Position, int Count, byte Value, int Source)
{
    /// <summary>Mutations, weighted towards the damage that hits headers and lengths.</summary>
    public static Gen<Mutation> Any { get; } =
        from kind in Gen.Choose(0, 6)
        from position in Gen.Frequency((3, Gen.Choose(0, 40)), (2, Gen.Choose(0, int.MaxValue)))
        from count in Gen.Frequency((3, Gen.Choose(1, 8)), (1, Gen.Choose(1, 300)))
        from value in Gen.Choose(0, 255)
        from source in Gen.Choose(0, int.MaxValue)
        select new Mutation(kind, position, count, (byte)value, source);

    /// <summary>One to three mutations in a row.</summary>
    public static Arbitrary<Mutation[]> Sequences { get; } =
        Gen.Choose(1, 3).SelectMany(n => Gen.ArrayOf(Any, n)).ToArbitrary();

    /// <summary>A damaged copy of <paramref name="bytes"/>.</summary>
    public byte[] Apply(byte[] bytes)
    {
        var list = new List<byte>(bytes);
        int At(int p) => list.Count == 0 ? 0 : p % list.Count;
        switch (Kind)
        {
            case 0 when list.Count > 0: list[At(Position)] ^= (byte)(Value == 0 ? 1 : Value); break;
            case 1 when list.Count > 0: list[At(Position)] = Value; break;
            case 2: list.RemoveRange(At(Position), list.Count - At(Position)); break;
            case 3: list.AddRange(Enumerable.Repeat(Value, Count)); break;
            case 4 when list.Count > 0:
                int from = At(Source), to = At(Position), n = Math.Min(Count, Math.Min(list.Count - from, list.Count - to));
                var piece = list.GetRange(from, n);
                for (int i = 0; i < n; i++) list[to + i] = piece[i];
                break;
            case 5: list.InsertRange(At(Position), Enumerable.Repeat(Value, Count)); break;
            case 6 when list.Count > 0: list.RemoveRange(At(Position), Math.Min(Count, list.Count - At(Position))); break;
        }
        return list.ToArray();
    }

    /// <summary>Applies <paramref name="mutations"/> in order.</summary>
    public static byte[] ApplyAll(byte[] bytes, IEnumerable<Mutation> mutations) =>
        mutations.Aggregate(bytes, (b, m) => m.Apply(b));
}

using System.Runtime.Intrinsics;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// The engine's one row-sum order (docs/kernels.md): 32 strided partial sums, then a fixed pairwise
/// tree s = 16, 8, 4, 2, 1. On a GPU it is one warp of 32 lanes; here it is two 16-lane registers
/// (p[0..16) and p[16..32)), whose first tree level is a single vector add.
/// </summary>
public static class RowSum32
{
    /// <summary>The 32-lane sum of <paramref name="values"/>.</summary>
    public static float Sum(ReadOnlySpan<float> values)
    {
        Span<float> p = stackalloc float[32];
        int n = values.Length, j = 0;
        var lo = Vector512<float>.Zero;
        var hi = Vector512<float>.Zero;
        for (; j + 32 <= n; j += 32)
        {
            lo += Vector512.Create(values.Slice(j, 16));
            hi += Vector512.Create(values.Slice(j + 16, 16));
        }
        lo.CopyTo(p);
        hi.CopyTo(p.Slice(16));
        for (int t = 0; j + t < n; t++) p[t] = p[t] + values[j + t];
        return Tree(p);
    }

    /// <summary>The 32-lane sum of f(j) for j in [0, n), for terms computed on the fly.</summary>
    public static float Sum<TTerms>(int n, ref TTerms terms) where TTerms : struct, ITerms
    {
        Span<float> p = stackalloc float[32];
        p.Clear();
        for (int j = 0; j < n; j++) p[j & 31] = p[j & 31] + terms.Term(j);
        return Tree(p);
    }

    private static float Tree(Span<float> p)
    {
        for (int s = 16; s >= 1; s >>= 1)
            for (int t = 0; t < s; t++) p[t] = p[t] + p[t + s];
        return p[0];
    }

    /// <summary>Terms of a row computed on demand by <see cref="Sum{TTerms}"/>.</summary>
    public interface ITerms
    {
        /// <summary>The j-th term.</summary>
        float Term(int j);
    }
}

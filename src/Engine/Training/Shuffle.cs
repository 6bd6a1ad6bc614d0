using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Engine.Training;

/// <summary>The per-epoch order of the training set: a Fisher–Yates shuffle driven by Philox (host side, so every accelerator trains on the same order).</summary>
internal static class Shuffle
{
    /// <summary>The permutation of [0, count) for <paramref name="epoch"/> under <paramref name="seed"/>.</summary>
    public static int[] Permutation(int count, ulong seed, int epoch)
    {
        var order = new int[count];
        for (int i = 0; i < count; i++) order[i] = i;
        var key = new RandomKey(seed, RandomStream.Shuffle, (ulong)epoch);
        for (int i = count - 1; i > 0; i--)
        {
            var (x0, _, _, _) = Philox4x32.Generate((uint)i, key.Stream, key.C2, key.C3, key.K0, key.K1);
            int j = (int)(((ulong)x0 * (uint)(i + 1)) >> 32);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }
}

namespace IlgpuVae.Kernels.Cpu;

/// <summary>Per-datapoint ELBO and batch sums (contracts in docs/kernels.md).</summary>
public static class CpuReductions
{
    /// <summary>elbo[i] = (Σ_l ll[i·S + l]) / S − kl[i], the sum over l ascending from 0.</summary>
    public static void ElboRows(ReadOnlySpan<float> ll, ReadOnlySpan<float> kl, Span<float> elbo, int rows, int samples)
    {
        for (int i = 0; i < rows; i++)
        {
            float acc = 0f;
            for (int l = 0; l < samples; l++) acc = acc + ll[i * samples + l];
            elbo[i] = acc / samples - kl[i];
        }
    }

    /// <summary>result = rowsum32(values[0..count)).</summary>
    public static float Sum(ReadOnlySpan<float> values, int count) => RowSum32.Sum(values.Slice(0, count));
}

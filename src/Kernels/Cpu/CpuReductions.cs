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

    /// <summary>
    /// The batch sum over minibatch <paramref name="parts"/> (docs/kernels.md, "Minibatch parts"): each part's
    /// rowsum32 over its own values, then the parts added left to right into result[0], or (a non-zero
    /// stride) part j's sum into result[j·stride].
    /// </summary>
    public static void Sum(ReadOnlySpan<float> values, Span<float> result, int count, BatchParts parts)
    {
        parts.Validate(count, 1);
        if (values.Length < count) throw new ArgumentException($"values holds {values.Length} floats, the count is {count}", nameof(values));
        if (result.Length < parts.OutputSpan(1)) throw new ArgumentException($"result holds {result.Length} floats, the parts need {parts.OutputSpan(1)}", nameof(result));
        float total = 0f;
        for (int p = 0; p < parts.Length; p++)
        {
            int start = parts.RowStart(p);
            float sum = RowSum32.Sum(values.Slice(start, parts.RowStart(p + 1) - start));
            if (parts.Stride != 0) result[p * parts.Stride] = sum;
            else total = p == 0 ? sum : total + sum;
        }
        if (parts.Stride == 0) result[0] = total;
    }
}

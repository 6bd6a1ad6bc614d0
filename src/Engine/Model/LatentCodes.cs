namespace IlgpuVae.Engine.Model;

/// <summary>
/// What the encoder q(z|x) = N(μ, diag σ²) says about a set of inputs: μ and log σ² for each one.
/// Both arrays are row-major, <see cref="Count"/> rows of <see cref="LatentSize"/> values, row i
/// belonging to input i.
/// </summary>
public sealed class LatentCodes
{
    /// <summary>Wraps the arrays (not copied); each must hold <paramref name="count"/> × <paramref name="latentSize"/> values.</summary>
    /// <exception cref="ArgumentException">An array has the wrong length.</exception>
    public LatentCodes(int count, int latentSize, float[] mean, float[] logVariance)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(logVariance);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(latentSize);
        long expected = (long)count * latentSize;
        if (mean.LongLength != expected || logVariance.LongLength != expected)
            throw new ArgumentException($"{count} codes of size {latentSize} need {expected} values per array, got {mean.LongLength} and {logVariance.LongLength}");
        Count = count;
        LatentSize = latentSize;
        Mean = mean;
        LogVariance = logVariance;
    }

    /// <summary>Number of encoded inputs.</summary>
    public int Count { get; }

    /// <summary>Dimension of z.</summary>
    public int LatentSize { get; }

    /// <summary>μ of every input, <see cref="Count"/> × <see cref="LatentSize"/>, row-major.</summary>
    public float[] Mean { get; }

    /// <summary>log σ² of every input, <see cref="Count"/> × <see cref="LatentSize"/>, row-major.</summary>
    public float[] LogVariance { get; }

    /// <summary>μ of input <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> MeanOf(int index) => Row(Mean, index);

    /// <summary>log σ² of input <paramref name="index"/>.</summary>
    public ReadOnlySpan<float> LogVarianceOf(int index) => Row(LogVariance, index);

    private ReadOnlySpan<float> Row(float[] values, int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index), index, $"index must be in [0, {Count})");
        return values.AsSpan(index * LatentSize, LatentSize);
    }
}

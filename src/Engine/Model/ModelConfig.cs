using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The architecture of a VAE: input size, encoder hidden sizes (the decoder mirrors them), latent size,
/// decoder likelihood and the ELBO estimator. Defaults are the paper's MNIST model: 784-500-20, tanh,
/// Bernoulli decoder, analytic KL (estimator B), one sample per datapoint, init N(0, 0.01²).
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Pixels per image (784 for MNIST).</summary>
    public int InputSize { get; init; } = 784;
    /// <summary>Encoder hidden layer sizes, input side first; the decoder uses them in reverse.</summary>
    public int[] HiddenSizes { get; init; } = [500];
    /// <summary>Dimension of z.</summary>
    public int LatentSize { get; init; } = 20;
    /// <summary>Decoder distribution.</summary>
    public Likelihood Likelihood { get; init; } = Likelihood.Bernoulli;
    /// <summary>SGVB estimator: A (Monte Carlo KL) or B (analytic KL, default).</summary>
    public KlEstimator Estimator { get; init; } = KlEstimator.Analytic;
    /// <summary>L: samples of z per datapoint.</summary>
    public int Samples { get; init; } = 1;
    /// <summary>Standard deviation of the N(0, σ²) initialisation of every weight and bias.</summary>
    public float InitScale { get; init; } = 0.01f;
    /// <summary>Gaussian decoder: floor of the per-pixel log-variance (keeps the density finite on constant pixels).</summary>
    public float MinLogVariance { get; init; } = -6f;

    /// <summary>Width of the decoder's output layer: one logit per pixel, or mean and log-variance per pixel.</summary>
    public int OutputWidth => Likelihood == Likelihood.Gaussian ? 2 * InputSize : InputSize;

    /// <summary>Checks every value and throws <see cref="InputException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (InputSize < 1) throw new InputException($"input size must be positive, got {InputSize}");
        if (HiddenSizes.Length == 0) throw new InputException("--hidden needs at least one layer size");
        foreach (int h in HiddenSizes)
            if (h < 1 || h > 1 << 16) throw new InputException($"--hidden sizes must be between 1 and 65536, got {h}");
        if (LatentSize < 1 || LatentSize > 1 << 14) throw new InputException($"--latent must be between 1 and 16384, got {LatentSize}");
        if (Samples < 1 || Samples > 1024) throw new InputException($"--samples must be between 1 and 1024, got {Samples}");
        if (!(InitScale > 0f) || float.IsInfinity(InitScale)) throw new InputException($"init scale must be positive and finite, got {InitScale}");
        if (!float.IsFinite(MinLogVariance)) throw new InputException($"minimum log-variance must be finite, got {MinLogVariance}");
        if (!Enum.IsDefined(Likelihood)) throw new InputException($"unknown likelihood {Likelihood}");
        if (!Enum.IsDefined(Estimator)) throw new InputException($"unknown estimator {Estimator}");
    }

    /// <summary>Value equality including the hidden sizes.</summary>
    public bool Equals(ModelConfig? other) =>
        other is not null && InputSize == other.InputSize && HiddenSizes.AsSpan().SequenceEqual(other.HiddenSizes)
        && LatentSize == other.LatentSize && Likelihood == other.Likelihood && Estimator == other.Estimator
        && Samples == other.Samples && InitScale.Equals(other.InitScale) && MinLogVariance.Equals(other.MinLogVariance);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(InputSize, HiddenSizes.Length, LatentSize, Likelihood, Estimator, Samples);

    /// <summary>A compact description such as "784-500-20 bernoulli".</summary>
    public string Describe() => $"{InputSize}-{string.Join("-", HiddenSizes)}-{LatentSize} {Likelihood.ToString().ToLowerInvariant()}";
}

namespace IlgpuVae.Engine.Model;

/// <summary>The decoder's output distribution p(x|z).</summary>
public enum Likelihood
{
    /// <summary>Bernoulli with logits (the paper's MNIST decoder).</summary>
    Bernoulli,
    /// <summary>Gaussian with a sigmoid mean and its own log-variance head (the paper's Frey Face decoder).</summary>
    Gaussian,
}

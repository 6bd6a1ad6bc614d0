namespace IlgpuVae.Kernels;

/// <summary>How the KL term of the ELBO is estimated (AEVB paper, section 2.3).</summary>
public enum KlEstimator
{
    /// <summary>SGVB estimator A: Monte Carlo, log q(z|x) − log p(z) at the sampled z.</summary>
    MonteCarlo = 0,
    /// <summary>SGVB estimator B (the paper's default): the analytic KL of two Gaussians.</summary>
    Analytic = 1,
}

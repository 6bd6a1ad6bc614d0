namespace IlgpuVae.Kernels;

/// <summary>The entry points of the device program (the <c>KERNEL</c> functions of src/Kernels/Device/*.c).</summary>
public static class DeviceKernelNames
{
    /// <summary>linear.c: bias gradient (column sums).</summary>
    public const string LinearBackwardBias = "linear_backward_bias";
    /// <summary>linear_tiled.c: fused matmul + bias + activation.</summary>
    public const string LinearForward = "linear_forward";
    /// <summary>linear_tiled.c: gradient at the layer input, activation derivative fused.</summary>
    public const string LinearBackwardData = "linear_backward_data";
    /// <summary>linear_tiled.c: weight gradient.</summary>
    public const string LinearBackwardWeights = "linear_backward_weights";
    /// <summary>The suffix of the small-tile variants of the three kernels above (<see cref="DeviceGeometry.GemmSmallTile"/>).</summary>
    public const string SmallTileSuffix = "_tile32";
    /// <summary>latent.c: reparameterized sampling.</summary>
    public const string SampleLatent = "sample_latent";
    /// <summary>latent.c: KL per datapoint.</summary>
    public const string GaussianKl = "gaussian_kl";
    /// <summary>latent.c: gradient at the encoder output.</summary>
    public const string LatentBackward = "latent_backward";
    /// <summary>likelihood.c: Bernoulli log-likelihood and gradient.</summary>
    public const string BernoulliLogLikelihood = "bernoulli_loglik";
    /// <summary>likelihood.c: Gaussian log-likelihood and gradient.</summary>
    public const string GaussianLogLikelihood = "gaussian_loglik";
    /// <summary>reduce.c: per-datapoint ELBO.</summary>
    public const string ElboRows = "elbo_rows";
    /// <summary>reduce.c: 32-lane sum.</summary>
    public const string SumRows = "sum_rows";
    /// <summary>optimizer.c: one optimizer update.</summary>
    public const string OptimizerUpdate = "optimizer_update";
    /// <summary>gather.c: minibatch gather.</summary>
    public const string GatherBatch = "gather_batch";
    /// <summary>importance.c: per-sample importance log-weights.</summary>
    public const string ImportanceLogWeights = "importance_log_weights";
    /// <summary>importance.c: stable log-mean-exp of each row.</summary>
    public const string LogMeanExp = "log_mean_exp";

    /// <summary>Every entry point, in source order.</summary>
    public static IReadOnlyList<string> All { get; } =
    [
        LinearBackwardBias,
        LinearForward, LinearBackwardData, LinearBackwardWeights,
        LinearForward + SmallTileSuffix, LinearBackwardData + SmallTileSuffix, LinearBackwardWeights + SmallTileSuffix,
        SampleLatent, GaussianKl, LatentBackward,
        BernoulliLogLikelihood, GaussianLogLikelihood,
        ElboRows, SumRows,
        OptimizerUpdate,
        GatherBatch,
        ImportanceLogWeights, LogMeanExp,
    ];
}

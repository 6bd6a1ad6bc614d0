using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Training;

/// <summary>
/// How a model is trained: optimizer and its hyperparameters, minibatch size, epochs, seed, input
/// binarization and the train-set limit. Defaults follow the paper: Adagrad with lr 0.01, M = 100.
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Update rule.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adagrad;
    /// <summary>Learning rate (null: the optimizer's default, 0.01 for Adagrad and SGD, 0.001 otherwise).</summary>
    public float? LearningRate { get; init; }
    /// <summary>Weight decay λ (gradient += λθ); 1/N is the paper's N(0, I) prior on the parameters.</summary>
    public float WeightDecay { get; init; }
    /// <summary>ε in the denominators of Adagrad, RMSProp and Adam.</summary>
    public float Epsilon { get; init; } = 1e-8f;
    /// <summary>Adam β₁ (default 0.9).</summary>
    public float Beta1 { get; init; } = 0.9f;
    /// <summary>Adam β₂ (default 0.999).</summary>
    public float Beta2 { get; init; } = 0.999f;
    /// <summary>RMSProp decay ρ (default 0.9).</summary>
    public float RmsDecay { get; init; } = 0.9f;
    /// <summary>SGD momentum μ (default 0.9).</summary>
    public float Momentum { get; init; } = 0.9f;
    /// <summary>Minibatch size M.</summary>
    public int BatchSize { get; init; } = 100;
    /// <summary>
    /// The number of parts every minibatch is divided into (docs/kernels.md, "Minibatch parts"): each sum over
    /// the minibatch — the gradients of the weights and biases, the minibatch ELBO — is taken within each part
    /// and the parts' sums are added in part order. The results depend on it, and on nothing about how the
    /// work is spread: training data-parallel over any number of processes up to <see cref="EffectiveBatchParts"/>
    /// gives the same bits as one process. 1 is the single sum over the whole minibatch of checkpoint formats
    /// 1 to 3; the default 12 lets 1, 2, 3, 4, 6 and 12 processes share a minibatch evenly.
    /// </summary>
    public int BatchParts { get; init; } = DefaultBatchParts;

    /// <summary>The default <see cref="BatchParts"/>.</summary>
    public const int DefaultBatchParts = 12;
    /// <summary>Number of passes over the training set.</summary>
    public int Epochs { get; init; } = 1;
    /// <summary>Seed of every random draw (initialisation, shuffling, ε, binarization).</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>How pixel bytes become inputs.</summary>
    public Binarization Binarization { get; init; } = Binarization.None;
    /// <summary>Use only the first N training images (null: all).</summary>
    public int? TrainLimit { get; init; }
    /// <summary>Datapoints per evaluation batch (does not change any result).</summary>
    public int EvalBatchSize { get; init; } = 1000;

    /// <summary>The parts a minibatch really has: <see cref="BatchParts"/>, or one per datapoint when the minibatch is smaller.</summary>
    public int EffectiveBatchParts => Math.Min(BatchParts, BatchSize);

    /// <summary>The learning rate in effect.</summary>
    public float EffectiveLearningRate => LearningRate ?? (Optimizer is OptimizerKind.Adagrad or OptimizerKind.SgdMomentum ? 0.01f : 0.001f);

    /// <summary>β₁ of the kernel scalars: RMSProp's ρ, Adam's β₁ or SGD's μ.</summary>
    public float KernelBeta1 => Optimizer switch
    {
        OptimizerKind.RmsProp => RmsDecay,
        OptimizerKind.Adam => Beta1,
        OptimizerKind.SgdMomentum => Momentum,
        _ => 0f,
    };

    /// <summary>Checks every value and throws <see cref="InputException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (!Enum.IsDefined(Optimizer)) throw new InputException($"unknown optimizer {Optimizer}");
        float lr = EffectiveLearningRate;
        if (!(lr > 0f) || !float.IsFinite(lr)) throw new InputException($"--lr must be a positive number, got {lr}");
        if (!(WeightDecay >= 0f) || !float.IsFinite(WeightDecay)) throw new InputException($"--weight-decay must be zero or positive, got {WeightDecay}");
        if (!(Epsilon > 0f) || !float.IsFinite(Epsilon)) throw new InputException($"epsilon must be positive, got {Epsilon}");
        foreach (var (name, v) in new[] { ("beta1", Beta1), ("beta2", Beta2), ("rms decay", RmsDecay), ("momentum", Momentum) })
            if (!(v >= 0f && v < 1f)) throw new InputException($"{name} must be in [0, 1), got {v}");
        if (BatchSize < 1 || BatchSize > 1 << 20) throw new InputException($"--batch-size must be between 1 and 1048576, got {BatchSize}");
        if (BatchParts < 1 || BatchParts > 1 << 20) throw new InputException($"--batch-parts must be between 1 and 1048576, got {BatchParts}");
        if (Epochs < 1 || Epochs > 1_000_000) throw new InputException($"--epochs must be between 1 and 1000000, got {Epochs}");
        if (TrainLimit is < 1) throw new InputException($"--train-limit must be positive, got {TrainLimit}");
        if (EvalBatchSize < 1 || EvalBatchSize > 1 << 20) throw new InputException($"eval batch size must be between 1 and 1048576, got {EvalBatchSize}");
        if (!Enum.IsDefined(Binarization)) throw new InputException($"unknown binarization {Binarization}");
    }
}

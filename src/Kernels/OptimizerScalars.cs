namespace IlgpuVae.Kernels;

/// <summary>
/// The scalars one optimizer update needs, all computed on the host in float (so every accelerator
/// receives the same bits). Step-dependent values (Adam's bias corrections) are computed by
/// <see cref="ForStep"/> from running products, never from pow().
/// </summary>
public readonly record struct OptimizerScalars
{
    /// <summary>The update rule.</summary>
    public OptimizerKind Kind { get; init; }
    /// <summary>Learning rate.</summary>
    public float LearningRate { get; init; }
    /// <summary>Weight decay λ: g ← fma(λ, θ, g) (λ = 1/N is the paper's N(0, I) prior on the parameters, MAP).</summary>
    public float WeightDecay { get; init; }
    /// <summary>ε added to the root in the denominator (Adagrad, RMSProp, Adam).</summary>
    public float Epsilon { get; init; }
    /// <summary>RMSProp ρ, Adam β₁ or SGD momentum μ.</summary>
    public float Beta1 { get; init; }
    /// <summary>1 − Beta1, rounded once on the host.</summary>
    public float OneMinusBeta1 { get; init; }
    /// <summary>Adam β₂.</summary>
    public float Beta2 { get; init; }
    /// <summary>1 − Beta2, rounded once on the host.</summary>
    public float OneMinusBeta2 { get; init; }
    /// <summary>Adam: lr / (1 − β₁ᵗ). Other rules: equal to <see cref="LearningRate"/>.</summary>
    public float StepSize { get; init; }
    /// <summary>Adam: 1 / (1 − β₂ᵗ). Other rules: 1.</summary>
    public float SecondMomentScale { get; init; }

    /// <summary>
    /// Scalars for the update of step t (1-based), given β₁ᵗ and β₂ᵗ as float running products that
    /// the optimizer state carries (β^t = β^(t−1)·β, one rounding per step).
    /// </summary>
    public static OptimizerScalars ForStep(OptimizerKind kind, float lr, float weightDecay, float epsilon,
        float beta1, float beta2, float beta1Power, float beta2Power)
    {
        float stepSize = lr, secondScale = 1f;
        if (kind == OptimizerKind.Adam)
        {
            stepSize = lr / (1f - beta1Power);
            secondScale = 1f / (1f - beta2Power);
        }
        return new OptimizerScalars
        {
            Kind = kind, LearningRate = lr, WeightDecay = weightDecay, Epsilon = epsilon,
            Beta1 = beta1, OneMinusBeta1 = 1f - beta1, Beta2 = beta2, OneMinusBeta2 = 1f - beta2,
            StepSize = stepSize, SecondMomentScale = secondScale,
        };
    }
}

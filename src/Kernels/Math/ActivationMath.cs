namespace IlgpuVae.Kernels.Math;

/// <summary>
/// The activations of the linear layers and their derivatives, one element at a time (contract in
/// docs/kernels.md, "Linear forward" and "Linear backward, data"). The SIMD CPU kernels apply the
/// lane-wise equal vector forms (<c>CpuActivation</c>); the device kernels and the CPU's scalar tails call these.
/// </summary>
public static class ActivationMath
{
    /// <summary>act(a): a, tanh a or sigmoid a (the engine's own <see cref="DeterministicMath"/> functions).</summary>
    public static float Apply(Activation activation, float a)
    {
        // An if-chain rather than a switch expression: one shape that every ILGPU backend compiles the same way.
        if (activation == Activation.Tanh) return DeterministicMath.Tanh(a);
        if (activation == Activation.Sigmoid) return DeterministicMath.Sigmoid(a);
        return a;
    }

    /// <summary>
    /// act′ expressed through the activation's output y: tanh 1 − y² as fma(−y, y, 1) (one rounding),
    /// sigmoid y·(1 − y), identity 1.
    /// </summary>
    public static float Derivative(Activation activation, float y)
    {
        if (activation == Activation.Tanh) return MathF.FusedMultiplyAdd(-y, y, 1f);
        if (activation == Activation.Sigmoid) return y * (1f - y);
        return 1f;
    }

    /// <summary>
    /// The gradient at the previous layer's pre-activation from the summed product <paramref name="acc"/>:
    /// acc · act′(y), and acc itself (no multiplication by 1, which would keep the bits anyway but costs
    /// an operation) for the identity.
    /// </summary>
    public static float BackThrough(Activation activation, float acc, float y) =>
        activation == Activation.Identity ? acc : acc * Derivative(activation, y);
}

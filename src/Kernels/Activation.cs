namespace IlgpuVae.Kernels;

/// <summary>The elementwise function a fused linear layer applies to its output.</summary>
public enum Activation
{
    /// <summary>y = a (the Gaussian heads, the Bernoulli logits).</summary>
    Identity = 0,
    /// <summary>y = tanh(a) (the paper's hidden layers). Derivative from the output: 1 − y², computed as fma(−y, y, 1).</summary>
    Tanh = 1,
    /// <summary>y = 1 / (1 + exp(−a)). Derivative from the output: y·(1 − y).</summary>
    Sigmoid = 2,
}

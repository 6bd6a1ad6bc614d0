namespace IlgpuVae.Kernels;

/// <summary>How pixel bytes become the model's input x.</summary>
public enum Binarization
{
    /// <summary>Grey levels: x = b / 255 (one correctly rounded division).</summary>
    None = 0,
    /// <summary>Fresh Bernoulli draws each step: x = 1 if u &lt; b / 255 else 0, u from Philox.</summary>
    Dynamic = 1,
    /// <summary>Fixed: x = 1 if b ≥ 128 else 0 (the same as b / 255 &gt; 0.5).</summary>
    Threshold = 2,
}

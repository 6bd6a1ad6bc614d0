using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>One fused linear layer: where its weights (Inputs×Outputs, row-major) and bias live in the flat parameter vector.</summary>
/// <param name="Inputs">Input width.</param>
/// <param name="Outputs">Output width.</param>
/// <param name="Activation">Activation applied to the output.</param>
/// <param name="WeightOffset">Offset of W in the parameter vector.</param>
internal readonly record struct LinearLayer(int Inputs, int Outputs, Activation Activation, long WeightOffset)
{
    /// <summary>Number of weights.</summary>
    public long WeightCount => (long)Inputs * Outputs;
    /// <summary>Offset of the bias, right after the weights.</summary>
    public long BiasOffset => WeightOffset + WeightCount;
    /// <summary>Offset just past the bias.</summary>
    public long End => BiasOffset + Outputs;
}

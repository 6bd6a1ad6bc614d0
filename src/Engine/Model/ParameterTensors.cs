namespace IlgpuVae.Engine.Model;

/// <summary>
/// One named tensor of the flat parameter vector (gradients and optimizer state share the layout).
/// Weights are Inputs×Outputs row-major, so <see cref="Columns"/> turns a flat index into a position.
/// </summary>
/// <param name="Name">The tensor's name, e.g. "decoder.output.weight".</param>
/// <param name="Offset">First element in the parameter vector.</param>
/// <param name="Length">Number of elements.</param>
/// <param name="Columns">Row length (the layer's outputs) for a weight matrix, 0 for a bias vector.</param>
internal readonly record struct ParameterTensor(string Name, long Offset, long Length, int Columns)
{
    /// <summary>The position of element <paramref name="index"/> (relative to the tensor): "[row, column]" or "[i]".</summary>
    public string Position(long index) => Columns > 0 ? $"[{index / Columns}, {index % Columns}]" : $"[{index}]";
}

/// <summary>
/// The names of the parameter tensors, in layout order: encoder.hidden1…, encoder.head (μ and log σ²
/// side by side), decoder.hidden1…, decoder.output; each with a weight and a bias. Messages about a
/// parameter (a non-finite value, say) use these names, so a user can tell which layer failed.
/// </summary>
internal static class ParameterTensors
{
    /// <summary>Every tensor of <paramref name="layout"/>, in the order they lie in the vector.</summary>
    public static IReadOnlyList<ParameterTensor> Of(ParameterLayout layout)
    {
        var tensors = new List<ParameterTensor>();
        void Add(string name, LinearLayer layer)
        {
            tensors.Add(new ParameterTensor($"{name}.weight", layer.WeightOffset, layer.WeightCount, layer.Outputs));
            tensors.Add(new ParameterTensor($"{name}.bias", layer.BiasOffset, layer.Outputs, 0));
        }
        for (int i = 0; i < layout.EncoderHidden.Count; i++) Add($"encoder.hidden{i + 1}", layout.EncoderHidden[i]);
        Add("encoder.head", layout.EncoderHead);
        for (int i = 0; i < layout.DecoderHidden.Count; i++) Add($"decoder.hidden{i + 1}", layout.DecoderHidden[i]);
        Add("decoder.output", layout.DecoderOutput);
        return tensors;
    }

    /// <summary>The tensor that holds flat element <paramref name="index"/>.</summary>
    public static ParameterTensor At(IReadOnlyList<ParameterTensor> tensors, long index)
    {
        foreach (var t in tensors)
            if (index >= t.Offset && index < t.Offset + t.Length) return t;
        throw new ArgumentOutOfRangeException(nameof(index), $"element {index} is outside the parameter vector");
    }
}

using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// Where every tensor of the model lives in one contiguous parameter vector (gradients and optimizer
/// state use the same layout): the encoder's tanh layers, the encoder head (μ and log σ² side by side,
/// one product for both), the decoder's tanh layers, then the decoder output layer.
/// </summary>
internal sealed class ParameterLayout
{
    /// <summary>Builds the layout of <paramref name="config"/>.</summary>
    public ParameterLayout(ModelConfig config)
    {
        config.Validate();
        long offset = 0;
        LinearLayer Add(int inputs, int outputs, Activation activation)
        {
            var layer = new LinearLayer(inputs, outputs, activation, offset);
            offset = layer.End;
            return layer;
        }
        var encoder = new List<LinearLayer>();
        int width = config.InputSize;
        foreach (int h in config.HiddenSizes) { encoder.Add(Add(width, h, Activation.Tanh)); width = h; }
        EncoderHidden = encoder;
        EncoderHead = Add(width, 2 * config.LatentSize, Activation.Identity);
        var decoder = new List<LinearLayer>();
        width = config.LatentSize;
        for (int i = config.HiddenSizes.Length - 1; i >= 0; i--) { decoder.Add(Add(width, config.HiddenSizes[i], Activation.Tanh)); width = config.HiddenSizes[i]; }
        DecoderHidden = decoder;
        DecoderOutput = Add(width, config.OutputWidth, Activation.Identity);
        Count = offset;
        if (Count > int.MaxValue) throw new InputException($"the model has {Count} parameters, more than the engine supports ({int.MaxValue})");
    }

    /// <summary>Encoder hidden layers (tanh), input side first.</summary>
    public IReadOnlyList<LinearLayer> EncoderHidden { get; }
    /// <summary>Encoder head: outputs μ (first half) and log σ² (second half).</summary>
    public LinearLayer EncoderHead { get; }
    /// <summary>Decoder hidden layers (tanh), latent side first.</summary>
    public IReadOnlyList<LinearLayer> DecoderHidden { get; }
    /// <summary>Decoder output layer (logits, or mean pre-activation and log-variance).</summary>
    public LinearLayer DecoderOutput { get; }
    /// <summary>Total number of parameters.</summary>
    public long Count { get; }

    /// <summary>Multiply-adds of one datapoint through the encoder (forward).</summary>
    public long EncoderMacs => EncoderHidden.Sum(l => l.WeightCount) + EncoderHead.WeightCount;
    /// <summary>Multiply-adds of one sample through the decoder (forward).</summary>
    public long DecoderMacs => DecoderHidden.Sum(l => l.WeightCount) + DecoderOutput.WeightCount;
}

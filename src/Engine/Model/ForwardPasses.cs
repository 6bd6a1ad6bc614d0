using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The encoder alone and the decoder alone, forward only, for up to <see cref="Capacity"/> rows at a
/// time: what <see cref="VaeModel"/> needs to encode, decode and sample. Training's
/// <see cref="VaeNetwork.Forward(Workspace, int, int, IlgpuVae.Kernels.RandomKey, float)"/> always runs both halves with sampling and the likelihood in
/// between; these passes stop at the encoder head or start at z, and nothing else changes, so each
/// row's result is the same bits as the corresponding values inside a training forward pass
/// (every kernel computes each output row from its own input row alone).
/// </summary>
internal sealed class ForwardPasses : IDisposable
{
    private readonly VaeNetwork _network;
    private readonly List<IDisposable> _owned = [];

    public ForwardPasses(VaeNetwork network, int capacity)
    {
        _network = network;
        var accelerator = network.Accelerator;
        var config = network.Config;
        var layout = network.Layout;
        Config = config;
        Capacity = capacity;
        DeviceBuffer<float> New(long length) { var b = accelerator.Allocate<float>(Math.Max(length, 1)); _owned.Add(b); return b; }
        Input = New((long)capacity * config.InputSize);
        EncoderHidden = layout.EncoderHidden.Select(l => New((long)capacity * l.Outputs)).ToArray();
        EncoderOut = New((long)capacity * 2 * config.LatentSize);
        Z = New((long)capacity * config.LatentSize);
        DecoderHidden = layout.DecoderHidden.Select(l => New((long)capacity * l.Outputs)).ToArray();
        Output = New((long)capacity * config.OutputWidth);
    }

    public ModelConfig Config { get; }
    /// <summary>Rows per pass.</summary>
    public int Capacity { get; }
    /// <summary>Encoder input, rows × InputSize.</summary>
    public DeviceBuffer<float> Input { get; }
    /// <summary>Encoder head output, rows × 2·latent: μ in the first half of each row, log σ² in the second.</summary>
    public DeviceBuffer<float> EncoderOut { get; }
    /// <summary>Decoder input, rows × latent.</summary>
    public DeviceBuffer<float> Z { get; }
    /// <summary>
    /// Decoder output after a sigmoid, rows × OutputWidth: the Bernoulli means, or for the Gaussian
    /// decoder the means in the first InputSize columns (the rest is the sigmoid of the log-variance head, unused).
    /// </summary>
    public DeviceBuffer<float> Output { get; }

    private DeviceBuffer<float>[] EncoderHidden { get; }
    private DeviceBuffer<float>[] DecoderHidden { get; }

    /// <summary><see cref="Input"/> → <see cref="EncoderOut"/> for the first <paramref name="rows"/> rows.</summary>
    public void Encode(int rows)
    {
        Check(rows);
        _network.Encode(Input, EncoderHidden, EncoderOut, rows);
    }

    /// <summary>
    /// <see cref="Z"/> → <see cref="Output"/> for the first <paramref name="rows"/> rows. The output layer
    /// uses the sigmoid activation instead of the identity that training uses: the Bernoulli mean is
    /// sigmoid(logit) and the Gaussian mean is sigmoid(a), so the kernel's own sigmoid gives the means
    /// directly, deterministically and on the device.
    /// </summary>
    public void Decode(int rows)
    {
        Check(rows);
        _network.Decode(Z, DecoderHidden, Output, rows, Activation.Sigmoid);
    }

    private void Check(int rows)
    {
        if (rows < 1 || rows > Capacity) throw new ArgumentOutOfRangeException(nameof(rows), rows, $"rows must be in [1, {Capacity}]");
    }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}

using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// A trained VAE on an accelerator, for evaluation: the parameters and the forward pass. Estimates use
/// the evaluation noise stream keyed by each datapoint's position, so they are reproducible and equal
/// to the test ELBO the trainer reported for the same parameters.
/// </summary>
public sealed class VaeModel : IDisposable
{
    private readonly VaeNetwork _network;
    private readonly DeviceBuffer<float> _parameters;

    /// <summary>Places a model with the given parameters (layout <see cref="ParameterLayout"/>) on <paramref name="accelerator"/>.</summary>
    public VaeModel(Accelerator accelerator, ModelConfig config, ReadOnlySpan<float> parameters)
    {
        config.Validate();
        var layout = new ParameterLayout(config);
        if (parameters.Length != layout.Count) throw new InputException($"{parameters.Length} parameters given, the model {config.Describe()} needs {layout.Count}");
        _parameters = accelerator.Upload(parameters);
        _network = new VaeNetwork(accelerator, config, _parameters);
        Config = config;
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The accelerator holding the model.</summary>
    public Accelerator Accelerator => _network.Accelerator;

    /// <summary>Mean ELBO per datapoint (nats) over <paramref name="images"/>.</summary>
    public double MeanElbo(ImageSet images, ulong seed, Binarization binarization, int batchSize = 1000)
    {
        if (images.PixelsPerImage != Config.InputSize)
            throw new InputException($"the images have {images.PixelsPerImage} pixels but the model expects {Config.InputSize}");
        if (images.Count == 0) throw new InputException("there are no images to evaluate");
        var acc = _network.Accelerator;
        using var workspace = new Workspace(acc, Config, _network.Layout, Math.Min(batchSize, images.Count));
        using var data = acc.Upload<byte>(images.Pixels);
        var identity = new int[images.Count];
        for (int i = 0; i < identity.Length; i++) identity[i] = i;
        using var indices = acc.Upload<int>(identity);
        return new Evaluator(_network, workspace, seed, binarization).MeanElbo(data, indices, images.Count);
    }

    /// <summary>Frees the model's accelerator memory.</summary>
    public void Dispose() => _parameters.Dispose();
}

using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The activations and their gradients for one minibatch of up to <see cref="Capacity"/> datapoints,
/// allocated once on the accelerator and reused every step (no allocation on the training path).
/// </summary>
internal sealed class Workspace : IDisposable
{
    private readonly List<IDisposable> _owned = [];

    public Workspace(Accelerator accelerator, ModelConfig config, ParameterLayout layout, int capacity)
    {
        Capacity = capacity;
        int s = config.Samples;
        long sampleRows = (long)capacity * s;
        DeviceBuffer<float> New(long length) { var b = accelerator.Allocate<float>(length); _owned.Add(b); return b; }
        Input = New((long)capacity * config.InputSize);
        EncoderActivations = layout.EncoderHidden.Select(l => New((long)capacity * l.Outputs)).ToArray();
        EncoderGradients = layout.EncoderHidden.Select(l => New((long)capacity * l.Outputs)).ToArray();
        EncoderOut = New((long)capacity * 2 * config.LatentSize);
        EncoderOutGradient = New((long)capacity * 2 * config.LatentSize);
        Epsilon = New(sampleRows * config.LatentSize);
        Z = New(sampleRows * config.LatentSize);
        ZGradient = New(sampleRows * config.LatentSize);
        DecoderActivations = layout.DecoderHidden.Select(l => New(sampleRows * l.Outputs)).ToArray();
        DecoderGradients = layout.DecoderHidden.Select(l => New(sampleRows * l.Outputs)).ToArray();
        Output = New(sampleRows * config.OutputWidth);
        OutputGradient = New(sampleRows * config.OutputWidth);
        LogLikelihood = New(sampleRows);
        Kl = New(capacity);
        Elbo = New(capacity);
    }

    public int Capacity { get; }
    public DeviceBuffer<float> Input { get; }
    public DeviceBuffer<float>[] EncoderActivations { get; }
    public DeviceBuffer<float>[] EncoderGradients { get; }
    public DeviceBuffer<float> EncoderOut { get; }
    public DeviceBuffer<float> EncoderOutGradient { get; }
    public DeviceBuffer<float> Epsilon { get; }
    public DeviceBuffer<float> Z { get; }
    public DeviceBuffer<float> ZGradient { get; }
    public DeviceBuffer<float>[] DecoderActivations { get; }
    public DeviceBuffer<float>[] DecoderGradients { get; }
    public DeviceBuffer<float> Output { get; }
    public DeviceBuffer<float> OutputGradient { get; }
    public DeviceBuffer<float> LogLikelihood { get; }
    public DeviceBuffer<float> Kl { get; }
    public DeviceBuffer<float> Elbo { get; }

    public void Dispose()
    {
        foreach (var b in _owned) b.Dispose();
        _owned.Clear();
    }
}

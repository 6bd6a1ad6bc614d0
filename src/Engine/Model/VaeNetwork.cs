using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The VAE's forward and backward passes as a sequence of kernel calls on one accelerator, in the
/// manner of llm.c: plain functions over one contiguous parameter buffer and one gradient buffer.
/// Nothing here touches backend memory; every step goes through <see cref="IKernels"/>.
/// </summary>
internal sealed class VaeNetwork
{
    private readonly IKernels _k;

    public VaeNetwork(Accelerator accelerator, ModelConfig config, DeviceBuffer<float> parameters)
    {
        Accelerator = accelerator;
        Config = config;
        Layout = new ParameterLayout(config);
        Parameters = parameters;
        _k = accelerator.Kernels;
    }

    public Accelerator Accelerator { get; }
    public ModelConfig Config { get; }
    public ParameterLayout Layout { get; }
    public DeviceBuffer<float> Parameters { get; }

    private BufferView<float> W(DeviceBuffer<float> p, LinearLayer l) => p.View(l.WeightOffset, l.WeightCount);
    private BufferView<float> B(DeviceBuffer<float> p, LinearLayer l) => p.View(l.BiasOffset, l.Outputs);

    /// <summary>
    /// Forward pass of <paramref name="rows"/> datapoints already in <c>ws.Input</c>: encoder, sampling,
    /// decoder, log-likelihood (and its gradient, scaled by gradScale), KL and per-datapoint ELBO.
    /// </summary>
    public void Forward(Workspace ws, int rows, int firstRow, RandomKey noise, float gradScale) =>
        Forward(ws, ws.Input, rows, firstRow, noise, gradScale);

    /// <summary>
    /// <see cref="Forward(Workspace, int, int, RandomKey, float)"/> of the <paramref name="rows"/> datapoints in
    /// <paramref name="input"/> (a share of a minibatch gathered whole into <c>ws.Input</c>, say), whose
    /// samples of z are rows <paramref name="firstRow"/>… (datapoint × samples) of their batch for the noise counters.
    /// </summary>
    public void Forward(Workspace ws, BufferView<float> input, int rows, int firstRow, RandomKey noise, float gradScale)
    {
        var c = Config;
        Encode(input, ws.EncoderActivations, ws.EncoderOut, rows);
        _k.SampleLatent(ws.EncoderOut, ws.Epsilon, ws.Z, rows, c.LatentSize, c.Samples, firstRow, noise);
        Decode(ws.Z, ws.DecoderActivations, ws.Output, rows * c.Samples, Layout.DecoderOutput.Activation);
        if (c.Likelihood == Likelihood.Bernoulli)
            _k.BernoulliLogLikelihood(ws.Output, input, ws.LogLikelihood, ws.OutputGradient, rows, c.InputSize, c.Samples, gradScale);
        else
            _k.GaussianLogLikelihood(ws.Output, input, ws.LogLikelihood, ws.OutputGradient, rows, c.InputSize, c.Samples, gradScale, c.MinLogVariance);
        _k.GaussianKl(ws.EncoderOut, ws.Epsilon, ws.Z, ws.Kl, rows, c.LatentSize, c.Samples, c.Estimator);
        _k.ElboRows(ws.LogLikelihood, ws.Kl, ws.Elbo, rows, c.Samples);
    }

    /// <summary>
    /// The encoder alone: <paramref name="input"/> (rows × InputSize) through the hidden layers (outputs
    /// kept in <paramref name="hidden"/>, one buffer per layer) to μ and log σ² in <paramref name="encoderOut"/>.
    /// Training, evaluation, encoding and importance sampling all run this one sequence of kernel calls,
    /// so an encoding is the same bits wherever it is computed.
    /// </summary>
    public void Encode(BufferView<float> input, IReadOnlyList<DeviceBuffer<float>> hidden, BufferView<float> encoderOut, int rows)
    {
        for (int i = 0; i < Layout.EncoderHidden.Count; i++)
        {
            var l = Layout.EncoderHidden[i];
            _k.LinearForward(input, W(Parameters, l), B(Parameters, l), hidden[i], rows, l.Inputs, l.Outputs, l.Activation);
            input = hidden[i];
        }
        var head = Layout.EncoderHead;
        _k.LinearForward(input, W(Parameters, head), B(Parameters, head), encoderOut, rows, head.Inputs, head.Outputs, head.Activation);
    }

    /// <summary>
    /// The decoder alone: z (rows × latent) through the hidden layers to <paramref name="output"/>, whose
    /// layer applies <paramref name="outputActivation"/>: identity for the logits (or the Gaussian's mean
    /// pre-activation and log-variance) that the likelihood kernels take, sigmoid for the decoder means.
    /// </summary>
    public void Decode(BufferView<float> z, IReadOnlyList<DeviceBuffer<float>> hidden, BufferView<float> output, int rows, Activation outputActivation)
    {
        BufferView<float> input = z;
        for (int i = 0; i < Layout.DecoderHidden.Count; i++)
        {
            var l = Layout.DecoderHidden[i];
            _k.LinearForward(input, W(Parameters, l), B(Parameters, l), hidden[i], rows, l.Inputs, l.Outputs, l.Activation);
            input = hidden[i];
        }
        var o = Layout.DecoderOutput;
        _k.LinearForward(input, W(Parameters, o), B(Parameters, o), output, rows, o.Inputs, o.Outputs, outputActivation);
    }

    /// <summary>
    /// Backward pass after <see cref="Forward(Workspace, int, int, RandomKey, float)"/>: fills
    /// <paramref name="gradients"/> (same layout as the parameters) with the gradient of the negative ELBO
    /// averaged over the batch, each weight and bias gradient one sum over the batch's rows.
    /// </summary>
    public void Backward(Workspace ws, int rows, DeviceBuffer<float> gradients) =>
        Backward(ws, ws.Input, BatchParts.Whole(rows), gradients);

    /// <summary>
    /// Backward pass after <see cref="Forward(Workspace, BufferView{float}, int, int, RandomKey, float)"/> of
    /// the datapoints of the minibatch <paramref name="parts"/> (one row each in <paramref name="input"/>):
    /// the gradient of the negative ELBO averaged over the whole minibatch of <see cref="BatchParts.Batch"/>,
    /// every weight and bias gradient summed per part and the parts added in order (docs/kernels.md,
    /// "Minibatch parts") — or, with a non-zero <see cref="BatchParts.Stride"/>, each part's gradient written
    /// on its own, the stride apart, for the parts to be added where all of them meet.
    /// </summary>
    public void Backward(Workspace ws, BufferView<float> input, BatchParts parts, DeviceBuffer<float> gradients)
    {
        var c = Config;
        int rows = parts.Rows;
        int sampleRows = rows * c.Samples;
        var sampleParts = parts.WithRowsPerDatapoint(c.Samples);
        // Decoder, output side first. Each layer's input is the previous activation (or z).
        BufferView<float> dOut = ws.OutputGradient;
        for (int i = Layout.DecoderHidden.Count; i >= 0; i--)
        {
            var l = i == Layout.DecoderHidden.Count ? Layout.DecoderOutput : Layout.DecoderHidden[i];
            BufferView<float> x = i == 0 ? ws.Z : ws.DecoderActivations[i - 1];
            BufferView<float> dx = i == 0 ? ws.ZGradient : ws.DecoderGradients[i - 1];
            var inputActivation = i == 0 ? Activation.Identity : Layout.DecoderHidden[i - 1].Activation;
            _k.LinearBackwardWeights(x, dOut, PartsOf(gradients, l.WeightOffset, l.WeightCount, parts),
                PartsOf(gradients, l.BiasOffset, l.Outputs, parts), sampleRows, l.Inputs, l.Outputs, sampleParts);
            _k.LinearBackwardData(dOut, W(Parameters, l), x, dx, sampleRows, l.Inputs, l.Outputs, inputActivation);
            dOut = dx;
        }
        _k.LatentBackward(ws.EncoderOut, ws.Epsilon, ws.Z, ws.ZGradient, ws.EncoderOutGradient, rows, c.LatentSize, c.Samples,
            1f / parts.Batch, c.Estimator);
        // Encoder, head first; the input layer needs no gradient for x.
        dOut = ws.EncoderOutGradient;
        for (int i = Layout.EncoderHidden.Count; i >= 0; i--)
        {
            var l = i == Layout.EncoderHidden.Count ? Layout.EncoderHead : Layout.EncoderHidden[i];
            BufferView<float> x = i == 0 ? input : ws.EncoderActivations[i - 1];
            _k.LinearBackwardWeights(x, dOut, PartsOf(gradients, l.WeightOffset, l.WeightCount, parts),
                PartsOf(gradients, l.BiasOffset, l.Outputs, parts), rows, l.Inputs, l.Outputs, parts);
            if (i == 0) break;
            BufferView<float> dx = ws.EncoderGradients[i - 1];
            _k.LinearBackwardData(dOut, W(Parameters, l), x, dx, rows, l.Inputs, l.Outputs, Layout.EncoderHidden[i - 1].Activation);
            dOut = dx;
        }
    }

    /// <summary>A tensor of the gradient, or with parts written apart, the span from its first part's copy to its last's.</summary>
    private static BufferView<float> PartsOf(DeviceBuffer<float> gradients, long offset, long count, BatchParts parts) =>
        gradients.View(offset, parts.OutputSpan(count));

    /// <summary>The loss-gradient scale of a batch: 1 / (rows · samples) for the reconstruction term.</summary>
    public float ReconstructionScale(int rows) => 1f / (rows * Config.Samples);
}

using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The encoder and the decoder run on their own, for the work that needs one without the other:
/// importance sampling (one encoding, thousands of decodings), pictures of decoder means, latent
/// codes of a test set. The same kernel calls, in the same order, as the halves of
/// <see cref="VaeNetwork.Forward"/>, so an encoder output or a decoder output is the same bits here
/// as in training. Kept apart from VaeNetwork so that the training path stays as it is.
/// </summary>
internal static class ForwardPasses
{
    /// <summary>Encoder of <paramref name="rows"/> datapoints in <c>ws.Input</c>: μ and log σ² into <c>ws.EncoderOut</c>.</summary>
    public static void Encode(VaeNetwork net, Workspace ws, int rows)
    {
        var k = net.Accelerator.Kernels;
        var p = net.Parameters;
        BufferView<float> input = ws.Input;
        for (int i = 0; i < net.Layout.EncoderHidden.Count; i++)
        {
            var l = net.Layout.EncoderHidden[i];
            k.LinearForward(input, p.View(l.WeightOffset, l.WeightCount), p.View(l.BiasOffset, l.Outputs), ws.EncoderActivations[i],
                rows, l.Inputs, l.Outputs, l.Activation);
            input = ws.EncoderActivations[i];
        }
        var head = net.Layout.EncoderHead;
        k.LinearForward(input, p.View(head.WeightOffset, head.WeightCount), p.View(head.BiasOffset, head.Outputs), ws.EncoderOut,
            rows, head.Inputs, head.Outputs, head.Activation);
    }

    /// <summary>
    /// Decoder of <paramref name="sampleRows"/> latent rows in <c>ws.Z</c> into <c>ws.Output</c>, the output
    /// layer with <paramref name="outputActivation"/>: identity gives the logits (or the Gaussian's mean
    /// pre-activation and log-variance) the likelihood kernels take; sigmoid gives the decoder means
    /// (for the Gaussian decoder, the first half of each row).
    /// </summary>
    public static void Decode(VaeNetwork net, Workspace ws, int sampleRows, Activation outputActivation = Activation.Identity)
    {
        var k = net.Accelerator.Kernels;
        var p = net.Parameters;
        BufferView<float> input = ws.Z;
        for (int i = 0; i < net.Layout.DecoderHidden.Count; i++)
        {
            var l = net.Layout.DecoderHidden[i];
            k.LinearForward(input, p.View(l.WeightOffset, l.WeightCount), p.View(l.BiasOffset, l.Outputs), ws.DecoderActivations[i],
                sampleRows, l.Inputs, l.Outputs, l.Activation);
            input = ws.DecoderActivations[i];
        }
        var o = net.Layout.DecoderOutput;
        k.LinearForward(input, p.View(o.WeightOffset, o.WeightCount), p.View(o.BiasOffset, o.Outputs), ws.Output,
            sampleRows, o.Inputs, o.Outputs, outputActivation);
    }

    /// <summary>
    /// log p(x|z) of every decoder row in <c>ws.Output</c> into <c>ws.LogLikelihood</c>, against the
    /// <paramref name="rows"/> inputs in <c>ws.Input</c> (decoder row r belongs to datapoint r / samples).
    /// The kernels also write a gradient into <c>ws.OutputGradient</c>, which nobody reads here.
    /// </summary>
    public static void LogLikelihood(VaeNetwork net, Workspace ws, int rows, int samples)
    {
        var k = net.Accelerator.Kernels;
        var c = net.Config;
        if (c.Likelihood == Likelihood.Bernoulli)
            k.BernoulliLogLikelihood(ws.Output, ws.Input, ws.LogLikelihood, ws.OutputGradient, rows, c.InputSize, samples, 1f);
        else
            k.GaussianLogLikelihood(ws.Output, ws.Input, ws.LogLikelihood, ws.OutputGradient, rows, c.InputSize, samples, 1f, c.MinLogVariance);
    }
}

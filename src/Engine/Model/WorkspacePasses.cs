using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The encoder, the decoder and the likelihood run on their own over a training-shaped
/// <see cref="Workspace"/>, for work that needs one without the other: importance sampling (one
/// encoding, thousands of decodings). Encoding and decoding are <see cref="VaeNetwork.Encode"/> and
/// <see cref="VaeNetwork.Decode"/>, the very halves training runs, so the bits are those of training.
/// </summary>
internal static class WorkspacePasses
{
    /// <summary>Encoder of <paramref name="rows"/> datapoints in <c>ws.Input</c>: μ and log σ² into <c>ws.EncoderOut</c>.</summary>
    public static void Encode(VaeNetwork net, Workspace ws, int rows)
    {
        net.Encode(ws.Input, ws.EncoderActivations, ws.EncoderOut, rows);
    }

    /// <summary>
    /// Decoder of <paramref name="sampleRows"/> latent rows in <c>ws.Z</c> into <c>ws.Output</c>, the output
    /// layer with <paramref name="outputActivation"/>: identity gives the logits (or the Gaussian's mean
    /// pre-activation and log-variance) the likelihood kernels take; sigmoid gives the decoder means
    /// (for the Gaussian decoder, the first half of each row).
    /// </summary>
    public static void Decode(VaeNetwork net, Workspace ws, int sampleRows, Activation outputActivation = Activation.Identity)
    {
        net.Decode(ws.Z, ws.DecoderActivations, ws.Output, sampleRows, outputActivation);
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

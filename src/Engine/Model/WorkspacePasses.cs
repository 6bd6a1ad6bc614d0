using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// The likelihood on its own over a training-shaped <see cref="Workspace"/>, for importance sampling
/// (one encoding with <see cref="VaeNetwork.Encode"/>, thousands of decodings with
/// <see cref="VaeNetwork.Decode"/>, each scored here).
/// </summary>
internal static class WorkspacePasses
{
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

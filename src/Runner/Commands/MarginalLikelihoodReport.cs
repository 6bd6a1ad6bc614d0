using System.Diagnostics;
using System.Globalization;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Training;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Evaluation;

namespace IlgpuVae.Runner.Commands;

/// <summary>The log p(x) line of `ilgpuvae eval`: runs the importance-sampling estimate and prints it with its cost.</summary>
internal static class MarginalLikelihoodReport
{
    /// <summary>Estimates log p(x) of <paramref name="images"/> with K = <paramref name="samples"/> and prints one line on stdout.</summary>
    public static MarginalLikelihoodResult Print(CliConsole console, Accelerator accelerator, TrainingState state, ImageSet images, int samples, bool print = true)
    {
        console.Log($"estimating log p(x) by importance sampling: K = {samples} on {images.Count} images");
        var clock = Stopwatch.StartNew();
        var result = new ProgressDisplay(console).Run("log p(x)", images.Count, "image", report =>
            MarginalLikelihood.Estimate(accelerator, state.Model, state.Parameters, images, new MarginalLikelihoodOptions
            {
                Samples = samples,
                Seed = state.Training.Seed,
                Binarization = state.Training.Binarization,
                OnProgress = done => report(done),
            }));
        if (print)
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"test log p(x) ≈ {result.MeanLogLikelihood:F4} nats per datapoint (importance sampling, K = {samples}, {images.Count} images; " +
            $"mean log-weight {result.MeanLogWeight:F4}; {clock.Elapsed.TotalSeconds:F1} s)"));
        return result;
    }
}

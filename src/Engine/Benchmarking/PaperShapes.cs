using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Engine.Model;

namespace IlgpuVae.Engine.Benchmarking;

/// <summary>
/// The sizes kernels are timed at: those of the paper's MNIST model (784-500-20, Bernoulli decoder) and
/// its minibatch of 100, plus 1024 for a batch that fills a large device better.
/// </summary>
internal static class PaperShapes
{
    /// <summary>The paper's model (the engine's default configuration).</summary>
    public static ModelConfig Model { get; } = new();

    /// <summary>The batch sizes timed by default.</summary>
    public static IReadOnlyList<int> Batches { get; } = [100, 1024];

    /// <summary>Pixels per image (784).</summary>
    public static int Pixels => Model.InputSize;

    /// <summary>Latent units (20).</summary>
    public static int Latent => Model.LatentSize;

    /// <summary>K, the importance samples per datapoint of `eval`'s log p(x) estimate (5000, its default): what log-mean-exp reduces.</summary>
    public static int ImportanceSamples { get; } = new MarginalLikelihoodOptions().Samples;

    /// <summary>Parameters (815,824): what the optimizer kernels update.</summary>
    public static int Parameters { get; } = checked((int)new ParameterLayout(Model).Count);

    /// <summary>
    /// The model's layers as (inputs, outputs): the encoder's input layer 784×500, the decoder's output
    /// layer 500×784, the encoder's μ and log σ² head 500×40 and the decoder's input layer 20×500.
    /// </summary>
    public static IReadOnlyList<(int Inputs, int Outputs)> Layers { get; } = CreateLayers();

    private static (int, int)[] CreateLayers()
    {
        var layout = new ParameterLayout(Model);
        return [.. new[] { layout.EncoderHidden[0], layout.DecoderOutput, layout.EncoderHead, layout.DecoderHidden[0] }.Select(l => (l.Inputs, l.Outputs))];
    }
}

using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// A VAE's parameters on an accelerator, for using the model rather than training it: encode inputs
/// to q(z|x), decode latent vectors to p(x|z)'s means, sample from the prior, and estimate the ELBO.
/// Every result is computed by the engine's deterministic kernels, so it is the same, bit for bit, on
/// every accelerator and thread count, and does not depend on how many inputs are passed per call.
/// A model is not thread-safe: call it from one thread at a time.
/// </summary>
public sealed class VaeModel : IDisposable
{
    /// <summary>
    /// Rows per forward pass. Equal to <see cref="TrainingConfig.EvalBatchSize"/>'s default, so that inputs
    /// binarized dynamically in <see cref="Encode(ImageSet, Binarization, ulong)"/> get the draws the
    /// evaluation gives them.
    /// </summary>
    private const int ChunkRows = 1000;

    private readonly VaeNetwork _network;
    private readonly DeviceBuffer<float> _parameters;
    private bool _disposed;

    /// <summary>
    /// Places a model with the given flat parameter vector on <paramref name="accelerator"/>. The vector is
    /// what <see cref="GetParameters"/>, <see cref="Trainer.DownloadParameters"/> and
    /// <see cref="TrainingState.Parameters"/> hold; its layout is described in docs/api.md.
    /// </summary>
    /// <exception cref="InputException">The configuration is invalid or the vector has the wrong length.</exception>
    public VaeModel(Accelerator accelerator, ModelConfig config, ReadOnlySpan<float> parameters)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        var layout = new ParameterLayout(config);
        if (parameters.Length != layout.Count) throw new InputException($"{parameters.Length} parameters given, the model {config.Describe()} needs {layout.Count}");
        _parameters = accelerator.Upload(parameters);
        _network = new VaeNetwork(accelerator, config, _parameters);
        Config = config;
    }

    /// <summary>
    /// An untrained model with the paper's initialisation (every parameter from N(0, <see cref="ModelConfig.InitScale"/>²)),
    /// the same parameters a <see cref="Trainer"/> with the same seed starts from.
    /// </summary>
    public static VaeModel Initialize(Accelerator accelerator, ModelConfig config, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        return new VaeModel(accelerator, config, ParameterInit.Create(config, seed));
    }

    /// <summary>The model saved in a training state (for example one read by <see cref="CheckpointFile.Load(string)"/>).</summary>
    public static VaeModel FromState(Accelerator accelerator, TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        return new VaeModel(accelerator, state.Model, state.Parameters);
    }

    /// <summary>Reads a checkpoint file and places its model on <paramref name="accelerator"/>.</summary>
    /// <exception cref="CheckpointFormatException">The file is missing, corrupted, truncated or of another version.</exception>
    public static VaeModel Load(Accelerator accelerator, string checkpointPath) => FromState(accelerator, CheckpointFile.Load(checkpointPath));

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The accelerator holding the model.</summary>
    public Accelerator Accelerator => _network.Accelerator;

    /// <summary>Number of parameters (weights and biases).</summary>
    public long ParameterCount => _network.Layout.Count;

    /// <summary>A copy of the flat parameter vector.</summary>
    public float[] GetParameters()
    {
        ThrowIfDisposed();
        return _parameters.ToArray();
    }

    /// <summary>
    /// Encodes model inputs (values in [0, 1], <see cref="ModelConfig.InputSize"/> per input, inputs one after
    /// another) to the μ and log σ² of q(z|x).
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the input size.</exception>
    public LatentCodes Encode(ReadOnlySpan<float> inputs)
    {
        ThrowIfDisposed();
        int width = Config.InputSize;
        if (inputs.Length % width != 0)
            throw new ArgumentException($"{inputs.Length} values are not a whole number of inputs of {width}", nameof(inputs));
        int count = inputs.Length / width;
        var codes = NewCodes(count);
        if (count == 0) return codes;
        using var passes = Passes(count);
        for (int first = 0; first < count; first += passes.Capacity)
        {
            int rows = Math.Min(passes.Capacity, count - first);
            passes.Input.Upload(inputs.Slice(first * width, rows * width));
            passes.Encode(rows);
            ReadCodes(passes, first, rows, codes);
        }
        return codes;
    }

    /// <summary>
    /// Encodes images to the μ and log σ² of q(z|x). Pixels become inputs as in training:
    /// grey levels b/255, thresholded, or (<see cref="Binarization.Dynamic"/>) Bernoulli draws keyed by
    /// <paramref name="seed"/>, the draws the evaluation with that seed uses.
    /// </summary>
    /// <exception cref="InputException">The images are not of the model's input size.</exception>
    public LatentCodes Encode(ImageSet images, Binarization binarization = Binarization.None, ulong seed = 0)
    {
        ThrowIfDisposed();
        CheckImages(images);
        var codes = NewCodes(images.Count);
        if (images.Count == 0) return codes;
        var acc = Accelerator;
        using var data = acc.Upload<byte>(images.Pixels);
        using var indices = acc.Upload<int>(Identity(images.Count));
        using var passes = Passes(images.Count);
        for (int first = 0; first < images.Count; first += passes.Capacity)
        {
            int rows = Math.Min(passes.Capacity, images.Count - first);
            acc.Kernels.GatherBatch(data, indices, passes.Input, first, rows, Config.InputSize, binarization,
                new RandomKey(seed, RandomStream.EvalBinarize, (ulong)first));
            passes.Encode(rows);
            ReadCodes(passes, first, rows, codes);
        }
        return codes;
    }

    /// <summary>
    /// Decodes latent vectors (<see cref="ModelConfig.LatentSize"/> values each, one after another) to the
    /// means of p(x|z): per pixel, the Bernoulli probability sigmoid(logit), or for the Gaussian decoder
    /// the mean sigmoid(a). Returns <see cref="ModelConfig.InputSize"/> values per latent vector.
    /// </summary>
    /// <exception cref="ArgumentException">The length is not a multiple of the latent size.</exception>
    public float[] Decode(ReadOnlySpan<float> z)
    {
        ThrowIfDisposed();
        int latent = Config.LatentSize, pixels = Config.InputSize, width = Config.OutputWidth;
        if (z.Length % latent != 0)
            throw new ArgumentException($"{z.Length} values are not a whole number of latent vectors of {latent}", nameof(z));
        int count = z.Length / latent;
        var means = new float[(long)count * pixels];
        if (count == 0) return means;
        using var passes = Passes(count);
        var output = new float[(long)passes.Capacity * width];
        for (int first = 0; first < count; first += passes.Capacity)
        {
            int rows = Math.Min(passes.Capacity, count - first);
            passes.Z.Upload(z.Slice(first * latent, rows * latent));
            passes.Decode(rows);
            var block = output.AsSpan(0, rows * width);
            passes.Output.Download(block);
            // The Gaussian decoder's rows also hold the (unused) log-variance head: keep the means only.
            for (int r = 0; r < rows; r++)
                block.Slice(r * width, pixels).CopyTo(means.AsSpan((first + r) * pixels, pixels));
        }
        return means;
    }

    /// <summary>
    /// Draws <paramref name="count"/> latent vectors from the prior N(0, I) and decodes them
    /// (<see cref="Decode"/>). Element e = i·latent + j of z is the Philox standard normal at counter
    /// (e, <see cref="RandomStream.Prior"/>, 0, 0) with key <paramref name="seed"/>, so a seed always gives
    /// the same samples.
    /// </summary>
    public float[] Sample(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long length = (long)count * Config.LatentSize;
        if (length > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(count), count, "too many samples for one call");
        var z = new float[length];
        var key = new RandomKey(seed, RandomStream.Prior, 0);
        for (int e = 0; e < z.Length; e++)
            z[e] = Philox4x32.StandardNormal((uint)e, key.Stream, key.C2, key.C3, key.K0, key.K1);
        return Decode(z);
    }

    /// <summary>
    /// Mean ELBO per datapoint (nats) over <paramref name="images"/>: one draw of ε per datapoint from the
    /// evaluation stream of <paramref name="seed"/>, inputs made as <paramref name="binarization"/> says. With a
    /// training run's seed and binarization this is the test ELBO the trainer reports for the same parameters.
    /// <paramref name="batchSize"/> bounds the memory used and does not change the result.
    /// </summary>
    /// <exception cref="InputException">The images are not of the model's input size, or there are none.</exception>
    public double MeanElbo(ImageSet images, ulong seed, Binarization binarization, int batchSize = 1000)
    {
        ThrowIfDisposed();
        CheckImages(images);
        if (images.Count == 0) throw new InputException("there are no images to evaluate");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var acc = Accelerator;
        using var workspace = new Workspace(acc, Config, _network.Layout, Math.Min(batchSize, images.Count));
        using var data = acc.Upload<byte>(images.Pixels);
        using var indices = acc.Upload<int>(Identity(images.Count));
        return new Evaluator(_network, workspace, seed, binarization).MeanElbo(data, indices, images.Count);
    }

    /// <summary>Frees the model's accelerator memory (the accelerator itself stays the caller's).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _parameters.Dispose();
    }

    private ForwardPasses Passes(int count) => new(_network, Math.Min(count, ChunkRows));

    private LatentCodes NewCodes(int count)
    {
        long length = (long)count * Config.LatentSize;
        return new LatentCodes(count, Config.LatentSize, new float[length], new float[length]);
    }

    /// <summary>Copies the μ | log σ² rows of one pass into the result, split into the two arrays.</summary>
    private void ReadCodes(ForwardPasses passes, int first, int rows, LatentCodes codes)
    {
        int latent = Config.LatentSize;
        var head = new float[rows * 2 * latent];
        passes.EncoderOut.Download(head);
        for (int r = 0; r < rows; r++)
        {
            head.AsSpan(r * 2 * latent, latent).CopyTo(codes.Mean.AsSpan((first + r) * latent, latent));
            head.AsSpan(r * 2 * latent + latent, latent).CopyTo(codes.LogVariance.AsSpan((first + r) * latent, latent));
        }
    }

    private void CheckImages(ImageSet images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.PixelsPerImage != Config.InputSize)
            throw new InputException($"the images have {images.PixelsPerImage} pixels but the model expects {Config.InputSize}");
    }

    private static int[] Identity(int count)
    {
        var identity = new int[count];
        for (int i = 0; i < identity.Length; i++) identity[i] = i;
        return identity;
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}

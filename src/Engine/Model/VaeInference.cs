using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Engine.Model;

/// <summary>
/// Forward-only uses of a trained VAE on an accelerator, for pictures and analyses: the encoder means
/// μ(x) of a set of images, the decoder means E[x|z] of given latent points, samples from the prior,
/// reconstructions. Every number comes from the engine's kernels, so it is the same bits on every
/// accelerator. (A deliberately small surface next to <see cref="VaeModel"/>, which evaluates bounds.)
/// </summary>
public sealed class VaeInference : IDisposable
{
    private readonly VaeNetwork _network;
    private readonly DeviceBuffer<float> _parameters;
    private readonly Workspace _workspace;

    /// <summary>
    /// Places the model on <paramref name="accelerator"/>; <paramref name="batch"/> datapoints (or latent
    /// points) go through the network per launch, which changes the speed, never a value.
    /// </summary>
    public VaeInference(Accelerator accelerator, ModelConfig config, ReadOnlySpan<float> parameters, int batch = 500)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        config.Validate();
        var layout = new ParameterLayout(config);
        if (parameters.Length != layout.Count) throw new InputException($"{parameters.Length} parameters given, the model {config.Describe()} needs {layout.Count}");
        Config = config;
        _parameters = accelerator.Upload(parameters);
        _network = new VaeNetwork(accelerator, config, _parameters);
        // One sample per row: the pictures decode exactly the points they are given.
        _workspace = new Workspace(accelerator, config with { Samples = 1 }, layout, batch);
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>
    /// μ(x) of every image, row-major (images × latent). Inputs are made from the bytes as in training
    /// with <paramref name="binarization"/>; <see cref="Binarization.None"/> (grey levels b/255, the mean of
    /// a dynamic binarization) suits pictures of a model trained with any of them.
    /// </summary>
    public float[] EncodeMeans(ImageSet images, Binarization binarization = Binarization.None, ulong seed = 1)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckPixels(images);
        var acc = _network.Accelerator;
        int latent = Config.LatentSize;
        var means = new float[(long)images.Count * latent];
        var rowsOut = new float[(long)_workspace.Capacity * 2 * latent];
        using var data = acc.Upload<byte>(images.Pixels);
        using var identity = acc.Upload<int>(Enumerable.Range(0, images.Count).ToArray());
        for (int first = 0; first < images.Count; first += _workspace.Capacity)
        {
            int rows = Math.Min(_workspace.Capacity, images.Count - first);
            acc.Kernels.GatherBatch(data, identity, _workspace.Input, first, rows, Config.InputSize, binarization,
                new RandomKey(seed, RandomStream.EvalBinarize, (ulong)first));
            ForwardPasses.Encode(_network, _workspace, rows);
            _workspace.EncoderOut.Download(rowsOut.AsSpan(0, rows * 2 * latent));
            for (int r = 0; r < rows; r++)
                Array.Copy(rowsOut, (long)r * 2 * latent, means, (long)(first + r) * latent, latent);
        }
        return means;
    }

    /// <summary>
    /// The decoder means E[x|z] (pixel values in [0, 1]) of <paramref name="count"/> latent points
    /// (<paramref name="z"/> row-major, count × latent); returns count × pixels values.
    /// </summary>
    public float[] DecodeMeans(ReadOnlySpan<float> z, int count)
    {
        int latent = Config.LatentSize, pixels = Config.InputSize, width = Config.OutputWidth;
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (z.Length != (long)count * latent) throw new ArgumentException($"{count} points of {latent} dimensions need {(long)count * latent} values, got {z.Length}", nameof(z));
        var means = new float[(long)count * pixels];
        var rowsOut = new float[(long)_workspace.Capacity * width];
        for (int first = 0; first < count; first += _workspace.Capacity)
        {
            int rows = Math.Min(_workspace.Capacity, count - first);
            _workspace.Z.Upload(z.Slice(first * latent, rows * latent));
            ForwardPasses.Decode(_network, _workspace, rows, Activation.Sigmoid);
            _workspace.Output.Download(rowsOut.AsSpan(0, rows * width));
            // The Gaussian decoder's rows are [mean | log-variance]; the sigmoid of the first half is the mean.
            for (int r = 0; r < rows; r++)
                Array.Copy(rowsOut, (long)r * width, means, (long)(first + r) * pixels, pixels);
        }
        return means;
    }

    /// <summary>
    /// <paramref name="count"/> points drawn from the prior N(0, I), row-major: element e is the Philox normal
    /// at counter (e, <see cref="RandomStream.PriorSample"/>, 0) under <paramref name="seed"/>.
    /// </summary>
    public float[] PriorPoints(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var key = new RandomKey(seed, RandomStream.PriorSample, 0);
        var z = new float[(long)count * Config.LatentSize];
        for (long e = 0; e < z.Length; e++)
            z[e] = Philox4x32.StandardNormal((uint)e, key.Stream, key.C2, key.C3, key.K0, key.K1);
        return z;
    }

    /// <summary>The decoder means at the encoder means: what the model makes of each image (images × pixels).</summary>
    public float[] Reconstruct(ImageSet images, Binarization binarization = Binarization.None, ulong seed = 1) =>
        DecodeMeans(EncodeMeans(images, binarization, seed), images.Count);

    private void CheckPixels(ImageSet images)
    {
        if (images.PixelsPerImage != Config.InputSize)
            throw new InputException($"the images have {images.PixelsPerImage} pixels but the model expects {Config.InputSize}");
    }

    /// <summary>Frees the model's accelerator memory.</summary>
    public void Dispose()
    {
        _workspace.Dispose();
        _parameters.Dispose();
    }
}

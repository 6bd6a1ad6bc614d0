using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Evaluation;

/// <summary>
/// The importance-sampling estimate of the marginal likelihood with the encoder as proposal:
/// log p(x) ≈ log (1/K) Σ_k p(x|z_k) p(z_k) / q(z_k|x), z_k ~ q(z|x), computed on the accelerator with the
/// kernels <see cref="IKernels.ImportanceLogWeights"/> and <see cref="IKernels.LogMeanExp"/>.
/// </summary>
/// <remarks>
/// <para>Each datapoint is encoded once; its K samples go through the decoder in chunks of at most
/// <see cref="MarginalLikelihoodOptions.ChunkRows"/> rows, so K = 5000 needs no more memory than a few
/// training batches. The log-weights of all K samples are kept (K floats per datapoint) and reduced at
/// once by the log-mean-exp kernel, so the chunking changes no bit of the result.</para>
/// <para>Sample k of datapoint d uses ε at Philox counter (k·latent + j, <see cref="RandomStream.ImportanceNoise"/>, d),
/// and a dynamic binarization of datapoint d draws at position d: every estimate depends only on the
/// datapoint, the seed and K — not on the chunk size, the accelerator or how many datapoints are processed.</para>
/// <para>For every datapoint the estimate is at least the mean of its K log-weights (the arithmetic mean of
/// the weights is at least their geometric mean), itself an unbiased estimate of the ELBO, so on average
/// it cannot fall below the ELBO; <see cref="MarginalLikelihoodResult.MeanLogWeight"/> reports that mean.</para>
/// </remarks>
public static class MarginalLikelihood
{
    /// <summary>Estimates log p(x) for every image of <paramref name="images"/> (nats).</summary>
    public static MarginalLikelihoodResult Estimate(Accelerator accelerator, ModelConfig config, ReadOnlySpan<float> parameters,
        ImageSet images, MarginalLikelihoodOptions options)
    {
        ArgumentNullException.ThrowIfNull(accelerator);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        config.Validate();
        if (images.PixelsPerImage != config.InputSize)
            throw new InputException($"the images have {images.PixelsPerImage} pixels but the model expects {config.InputSize}");
        if (images.Count == 0) throw new InputException("there are no images to evaluate");
        var layout = new ParameterLayout(config);
        if (parameters.Length != layout.Count) throw new InputException($"{parameters.Length} parameters given, the model {config.Describe()} needs {layout.Count}");

        int k = options.Samples, n = images.Count, latent = config.LatentSize, pixels = config.InputSize;
        // Either several datapoints with all their samples in one chunk, or one datapoint in even chunks.
        int chunk, block;
        if (k <= options.ChunkRows)
        {
            chunk = k;
            block = Math.Max(1, options.ChunkRows / k);
        }
        else
        {
            int chunks = (k + options.ChunkRows - 1) / options.ChunkRows;
            chunk = (k + chunks - 1) / chunks;
            block = 1;
        }
        block = Math.Min(block, n);

        var kernels = accelerator.Kernels;
        using var parameterBuffer = accelerator.Upload(parameters);
        var net = new VaeNetwork(accelerator, config with { Samples = chunk }, parameterBuffer);
        using var ws = new Workspace(accelerator, net.Config, layout, block);
        using var data = accelerator.Upload<byte>(images.Pixels);
        using var identity = accelerator.Upload<int>(Enumerable.Range(0, n).ToArray());
        using var logWeights = accelerator.Allocate<float>((long)block * k);
        using var estimates = accelerator.Allocate<float>(n);
        var weightsHost = new float[(long)block * k];
        double weightTotal = 0;
        for (int first = 0; first < n; first += block)
        {
            int rows = Math.Min(block, n - first);
            for (int i = 0; i < rows; i++)
            {
                int d = first + i;
                kernels.GatherBatch(data, identity, ws.Input.View((long)i * pixels, pixels), d, 1, pixels, options.Binarization,
                    new RandomKey(options.Seed, RandomStream.EvalBinarize, (ulong)d));
            }
            net.Encode(ws.Input, ws.EncoderActivations, ws.EncoderOut, rows);
            for (int k0 = 0; k0 < k; k0 += chunk)
            {
                int s = Math.Min(chunk, k - k0);
                for (int i = 0; i < rows; i++)
                {
                    long at = (long)i * s * latent;
                    kernels.SampleLatent(ws.EncoderOut.View((long)i * 2 * latent, 2 * latent), ws.Epsilon.View(at, (long)s * latent),
                        ws.Z.View(at, (long)s * latent), 1, latent, s, k0, new RandomKey(options.Seed, RandomStream.ImportanceNoise, (ulong)(first + i)));
                }
                net.Decode(ws.Z, ws.DecoderActivations, ws.Output, rows * s, Activation.Identity);
                WorkspacePasses.LogLikelihood(net, ws, rows, s);
                // Several datapoints only ever come with a single chunk (k0 = 0), so the weights of
                // datapoint i always end up at i·K + k.
                kernels.ImportanceLogWeights(ws.EncoderOut, ws.Epsilon, ws.Z, ws.LogLikelihood, logWeights.View(k0, (long)rows * s),
                    rows, latent, s);
            }
            kernels.LogMeanExp(logWeights, estimates.View(first, rows), rows, k);
            var w = weightsHost.AsSpan(0, rows * k);
            logWeights.Download(w);
            foreach (float v in w) weightTotal += v;
            options.OnProgress?.Invoke(first + rows);
        }
        var perImage = estimates.ToArray();
        double total = 0;
        foreach (float v in perImage) total += v;
        return new MarginalLikelihoodResult(total / n, weightTotal / ((double)n * k), perImage, k);
    }
}

/// <summary>Settings of <see cref="MarginalLikelihood.Estimate"/>.</summary>
public sealed record MarginalLikelihoodOptions
{
    /// <summary>K: importance samples per datapoint (the paper's evaluation used 5000 for this kind of estimate).</summary>
    public int Samples { get; init; } = 5000;
    /// <summary>Seed of the importance samples (and of a dynamic binarization of the inputs).</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>How pixel bytes become inputs; use the binarization the model was trained with.</summary>
    public Binarization Binarization { get; init; } = Binarization.None;
    /// <summary>Most decoder rows per launch, at most 1024 (the model's limit on samples per datapoint); memory, not results: the estimate does not depend on it.</summary>
    public int ChunkRows { get; init; } = 1000;
    /// <summary>Called on the calling thread with the number of images done so far, after each group of images (null: no reports).</summary>
    public Action<int>? OnProgress { get; init; }

    /// <summary>Throws <see cref="InputException"/> naming the first bad value.</summary>
    public void Validate()
    {
        if (Samples < 1 || Samples > 1 << 20) throw new InputException($"--samples must be between 1 and 1048576, got {Samples}");
        if (ChunkRows < 1 || ChunkRows > 1024) throw new InputException($"chunk rows must be between 1 and 1024, got {ChunkRows}");
        if (!Enum.IsDefined(Binarization)) throw new InputException($"unknown binarization {Binarization}");
    }
}

/// <summary>What <see cref="MarginalLikelihood.Estimate"/> found.</summary>
/// <param name="MeanLogLikelihood">Mean over the images of the log p(x) estimates (nats per datapoint).</param>
/// <param name="MeanLogWeight">Mean over images and samples of log p(x|z) + log p(z) − log q(z|x): an ELBO estimate with the same samples, never above <paramref name="MeanLogLikelihood"/> beyond rounding.</param>
/// <param name="PerImage">The estimate of each image, in image order.</param>
/// <param name="Samples">K.</param>
public sealed record MarginalLikelihoodResult(double MeanLogLikelihood, double MeanLogWeight, float[] PerImage, int Samples);

using ILGPU;
using ILGPU.Runtime;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Accelerators.Ilgpu;

/// <summary>
/// <see cref="IKernels"/> on an ILGPU accelerator: each method checks the shapes against the views, picks
/// the launch geometry of <see cref="DeviceGeometry"/> and queues the device kernel on the accelerator's
/// stream. The geometry decides which thread computes an output, never how, so it changes no result.
/// </summary>
internal sealed class IlgpuKernels(IlgpuAccelerator owner) : IKernels
{
    private KernelLaunchers K => owner.Device.Kernels;

    private AcceleratorStream Stream => owner.Stream;

    private DeviceGeometry G => owner.Device.Geometry;

    /// <summary>
    /// Which matrix-product tiles are launched: by grid size (the default), or always one size (for the
    /// tests that check each variant, and for measuring them). The choice never changes a result.
    /// </summary>
    internal GemmTileChoice TileChoice { get; set; } = GemmTileChoice.BySize;

    /// <inheritdoc />
    public void LinearForward(BufferView<float> x, BufferView<float> w, BufferView<float> b, BufferView<float> y,
        int rows, int inputs, int outputs, Activation activation)
    {
        Dims(rows, inputs, outputs);
        CheckActivation(activation);
        var ax = In(x, (long)rows * inputs, nameof(x));
        var aw = In(w, (long)inputs * outputs, nameof(w));
        var ab = In(b, outputs, nameof(b));
        var ay = In(y, (long)rows * outputs, nameof(y));
        var (variant, grid) = Gemm(outputs, rows);
        if (Ready(grid, GemmGroup, out var config)) lock (Gate) K.LinearForward[variant](Stream, config, ax, aw, ab, ay, rows, inputs, outputs, activation);
    }

    /// <inheritdoc />
    public void LinearBackwardData(BufferView<float> dz, BufferView<float> w, BufferView<float> x, BufferView<float> dx,
        int rows, int inputs, int outputs, Activation inputActivation)
    {
        Dims(rows, inputs, outputs);
        CheckActivation(inputActivation);
        var adz = In(dz, (long)rows * outputs, nameof(dz));
        var aw = In(w, (long)inputs * outputs, nameof(w));
        var ax = In(x, (long)rows * inputs, nameof(x));
        var adx = In(dx, (long)rows * inputs, nameof(dx));
        var (variant, grid) = Gemm(inputs, rows);
        if (Ready(grid, GemmGroup, out var config)) lock (Gate) K.LinearBackwardData[variant](Stream, config, adz, aw, ax, adx, rows, inputs, outputs, inputActivation);
    }

    /// <inheritdoc />
    public void LinearBackwardWeights(BufferView<float> x, BufferView<float> dz, BufferView<float> dw, BufferView<float> db,
        int rows, int inputs, int outputs, BatchParts parts)
    {
        Dims(rows, inputs, outputs);
        parts.Validate(rows, Math.Max((long)inputs * outputs, outputs));
        var ax = In(x, (long)rows * inputs, nameof(x));
        var adz = In(dz, (long)rows * outputs, nameof(dz));
        var adw = In(dw, parts.OutputSpan((long)inputs * outputs), nameof(dw));
        var adb = In(db, parts.OutputSpan(outputs), nameof(db));
        var (variant, grid) = Gemm(outputs, inputs);
        if (Ready(grid, GemmGroup, out var config)) lock (Gate) K.LinearBackwardWeights[variant](Stream, config, ax, adz, adw, rows, inputs, outputs, parts);
        if (Ready(Elements(outputs), ElementGroup, out var biasConfig)) lock (Gate) K.LinearBackwardBias(Stream, biasConfig, adz, adb, outputs, parts);
    }

    /// <inheritdoc />
    public void SampleLatent(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z,
        int rows, int latent, int samples, int firstRow, RandomKey key)
    {
        Latent(rows, latent, samples);
        ArgumentOutOfRangeException.ThrowIfNegative(firstRow);
        long sampleElements = (long)rows * samples * latent;
        var ae = In(encoderOut, (long)rows * 2 * latent, nameof(encoderOut));
        var aeps = In(epsilon, sampleElements, nameof(epsilon));
        var az = In(z, sampleElements, nameof(z));
        if (Ready(Elements(sampleElements), ElementGroup, out var config)) lock (Gate) K.SampleLatent(Stream, config, ae, aeps, az, rows, latent, samples, firstRow, key);
    }

    /// <inheritdoc />
    public void GaussianKl(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> kl,
        int rows, int latent, int samples, KlEstimator estimator)
    {
        Latent(rows, latent, samples);
        CheckEstimator(estimator);
        long sampleElements = (long)rows * samples * latent;
        var ae = In(encoderOut, (long)rows * 2 * latent, nameof(encoderOut));
        var aeps = In(epsilon, sampleElements, nameof(epsilon));
        var az = In(z, sampleElements, nameof(z));
        var akl = In(kl, rows, nameof(kl));
        if (Ready(RowGroups(rows), RowGroup, out var config)) lock (Gate) K.GaussianKl(Stream, config, ae, aeps, az, akl, rows, latent, samples, estimator);
    }

    /// <inheritdoc />
    public void LatentBackward(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> dz,
        BufferView<float> dEncoderOut, int rows, int latent, int samples, float klScale, KlEstimator estimator)
    {
        Latent(rows, latent, samples);
        CheckEstimator(estimator);
        long sampleElements = (long)rows * samples * latent;
        var ae = In(encoderOut, (long)rows * 2 * latent, nameof(encoderOut));
        var aeps = In(epsilon, sampleElements, nameof(epsilon));
        var az = In(z, sampleElements, nameof(z));
        var adz = In(dz, sampleElements, nameof(dz));
        var ade = In(dEncoderOut, (long)rows * 2 * latent, nameof(dEncoderOut));
        if (Ready(Elements((long)rows * latent), ElementGroup, out var config)) lock (Gate) K.LatentBackward(Stream, config, ae, aeps, az, adz, ade, rows, latent, samples, klScale, estimator);
    }

    /// <inheritdoc />
    public void BernoulliLogLikelihood(BufferView<float> logits, BufferView<float> x, BufferView<float> ll, BufferView<float> dLogits,
        int rows, int pixels, int samples, float gradScale)
    {
        Latent(rows, pixels, samples);
        int sampleRows = checked(rows * samples);
        var al = In(logits, (long)sampleRows * pixels, nameof(logits));
        var ax = In(x, (long)rows * pixels, nameof(x));
        var all = In(ll, sampleRows, nameof(ll));
        var ad = In(dLogits, (long)sampleRows * pixels, nameof(dLogits));
        if (Ready(RowGroups(sampleRows), RowGroup, out var config)) lock (Gate) K.BernoulliLogLikelihood(Stream, config, al, ax, all, ad, sampleRows, pixels, samples, gradScale);
    }

    /// <inheritdoc />
    public void GaussianLogLikelihood(BufferView<float> output, BufferView<float> x, BufferView<float> ll, BufferView<float> dOutput,
        int rows, int pixels, int samples, float gradScale, float minLogVariance)
    {
        Latent(rows, pixels, samples);
        int sampleRows = checked(rows * samples);
        var ao = In(output, (long)sampleRows * 2 * pixels, nameof(output));
        var ax = In(x, (long)rows * pixels, nameof(x));
        var all = In(ll, sampleRows, nameof(ll));
        var ad = In(dOutput, (long)sampleRows * 2 * pixels, nameof(dOutput));
        if (Ready(RowGroups(sampleRows), RowGroup, out var config)) lock (Gate) K.GaussianLogLikelihood(Stream, config, ao, ax, all, ad, sampleRows, pixels, samples, gradScale, minLogVariance);
    }

    /// <inheritdoc />
    public void ElboRows(BufferView<float> ll, BufferView<float> kl, BufferView<float> elbo, int rows, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var all = In(ll, (long)rows * samples, nameof(ll));
        var akl = In(kl, rows, nameof(kl));
        var ae = In(elbo, rows, nameof(elbo));
        if (Ready(Elements(rows), ElementGroup, out var config)) lock (Gate) K.ElboRows(Stream, config, all, akl, ae, rows, samples);
    }

    /// <inheritdoc />
    public void SumRows(BufferView<float> values, BufferView<float> result, int count, BatchParts parts)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        parts.Validate(count, 1);
        var av = In(values, count, nameof(values));
        var ar = In(result, parts.OutputSpan(1), nameof(result));
        // One group of 32 lanes, whatever the count: the scheme fixes which lane adds which value.
        if (Ready(new Index2D(1, 1), new Index2D(DeviceGeometry.RowLanes, 1), out var config)) lock (Gate) K.SumRows(Stream, config, av, ar, parts);
    }

    /// <inheritdoc />
    public void OptimizerUpdate(BufferView<float> parameters, BufferView<float> gradients, BufferView<float> state0,
        BufferView<float> state1, int count, in OptimizerScalars scalars)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!Enum.IsDefined(scalars.Kind)) throw new ArgumentOutOfRangeException(nameof(scalars), scalars.Kind, "unknown optimizer");
        var ap = In(parameters, count, nameof(parameters));
        var ag = In(gradients, count, nameof(gradients));
        var a0 = In(state0, count, nameof(state0));
        var a1 = In(state1, scalars.Kind == OptimizerKind.Adam ? count : 0, nameof(state1));
        if (Ready(Elements(count), ElementGroup, out var config)) lock (Gate) K.OptimizerUpdate(Stream, config, ap, ag, a0, a1, count, scalars);
    }

    /// <inheritdoc />
    public void GatherBatch(BufferView<byte> data, BufferView<int> indices, BufferView<float> x,
        int first, int rows, int pixels, Binarization binarization, RandomKey key)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(pixels, 1);
        if (!Enum.IsDefined(binarization)) throw new ArgumentOutOfRangeException(nameof(binarization), binarization, "unknown binarization");
        var ad = In(data, 0, nameof(data));
        var ai = In(indices, (long)first + rows, nameof(indices));
        var ax = In(x, (long)rows * pixels, nameof(x));
        // The image count bounds the indices inside the kernel (the host cannot see them without a copy).
        int images = (int)(data.Length / pixels);
        if (Ready(Elements((long)rows * pixels), ElementGroup, out var config)) lock (Gate) K.GatherBatch(Stream, config, ad, ai, ax, images, first, rows, pixels, binarization, key);
    }

    /// <inheritdoc />
    public void ImportanceLogWeights(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> ll,
        BufferView<float> logWeights, int rows, int latent, int samples)
    {
        Latent(rows, latent, samples);
        int sampleRows = checked(rows * samples);
        long sampleElements = (long)sampleRows * latent;
        var ae = In(encoderOut, (long)rows * 2 * latent, nameof(encoderOut));
        var aeps = In(epsilon, sampleElements, nameof(epsilon));
        var az = In(z, sampleElements, nameof(z));
        var all = In(ll, sampleRows, nameof(ll));
        var aw = In(logWeights, sampleRows, nameof(logWeights));
        if (Ready(RowGroups(sampleRows), RowGroup, out var config)) lock (Gate) K.ImportanceLogWeights(Stream, config, ae, aeps, az, all, aw, sampleRows, latent, samples);
    }

    /// <inheritdoc />
    public void LogMeanExp(BufferView<float> values, BufferView<float> result, int rows, int count)
    {
        Latent(rows, count, 1);
        var av = In(values, checked(rows * count), nameof(values));
        var ar = In(result, rows, nameof(result));
        if (Ready(RowGroups(rows), RowGroup, out var config)) lock (Gate) K.LogMeanExp(Stream, config, av, ar, rows, count);
    }

    private Index2D GemmGroup => new(G.GemmThreads, G.GemmThreads);
    private Index2D RowGroup => new(DeviceGeometry.RowLanes, G.RowsPerGroup);
    private Index2D ElementGroup => new(G.ElementThreads, 1);

    /// <summary>
    /// The matrix-product variant for a cols × rows result (0: 4 × 4 blocks per thread, 1: 2 × 2, chosen by
    /// <see cref="DeviceGeometry.UseSmallGemmTile"/> unless forced) and its grid of tiles (x across columns).
    /// </summary>
    private (int Variant, Index2D Grid) Gemm(int cols, int rows)
    {
        bool small = TileChoice switch
        {
            GemmTileChoice.Large => false,
            GemmTileChoice.Small => true,
            // ILGPU's CPU accelerator and OpenCL CPU devices pay per work-item and per barrier: more
            // outputs per thread always win there, so only GPUs take the small tiles.
            _ => owner.Kind == AcceleratorKind.Cuda && G.UseSmallGemmTile(cols, rows, owner.ComputeUnits),
        };
        int tile = small ? G.GemmSmallTile : G.GemmTile;
        return (small ? 1 : 0, new Index2D(Cover(cols, tile), Cover(rows, tile)));
    }

    private Index2D RowGroups(int rows) => new(Cover(rows, G.RowsPerGroup), 1);

    private Index2D Elements(long count) => new(Cover(count, G.ElementThreads), 1);

    private static int Cover(long items, int groupSize) => checked((int)((items + groupSize - 1) / groupSize));

    /// <summary>
    /// The launch configuration, and whether there is anything to launch: a zero-sized grid (no rows) is an
    /// error on OpenCL and CUDA, so such launches are skipped.
    /// </summary>
    private static bool Ready(Index2D grid, Index2D group, out KernelConfig config)
    {
        config = new KernelConfig(grid, group);
        return grid.Size > 0;
    }

    /// <summary>
    /// Held around every launch: an OpenCL kernel object carries its arguments between clSetKernelArg and
    /// the enqueue, and ILGPU's CPU accelerator runs one launch at a time, so launches of two engine
    /// accelerators on one device must not interleave (uncontended, the lock costs nanoseconds).
    /// </summary>
    private object Gate => owner.Device.LaunchLock;

    /// <summary>
    /// A view as a kernel argument, after checking that it belongs to this accelerator, holds at least
    /// <paramref name="needed"/> elements, and lies within the int range the kernels index with.
    /// </summary>
    private ArrayView<T> In<T>(BufferView<T> view, long needed, string name) where T : unmanaged
    {
        if (view.Buffer is null) throw new ArgumentNullException(name);
        if (!ReferenceEquals(view.Buffer.Accelerator, owner) || view.Buffer is not IlgpuBuffer<T> buffer)
            throw new InvalidOperationException($"a buffer of {view.Buffer.Accelerator.Name} was passed to a kernel of {owner.Name}");
        if (view.Length < needed)
            throw new ArgumentException($"{name} holds {view.Length} elements, the shape needs {needed}", name);
        if (view.Offset + view.Length > int.MaxValue)
            throw new ArgumentException($"{name} reaches element {view.Offset + view.Length}; device kernels index buffers of at most {int.MaxValue} elements", name);
        return buffer.Slice(view.Offset, view.Length);
    }

    private static void Dims(int rows, int inputs, int outputs)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(inputs);
        ArgumentOutOfRangeException.ThrowIfNegative(outputs);
    }

    private static void Latent(int rows, int width, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
    }

    private static void CheckActivation(Activation activation)
    {
        if (!Enum.IsDefined(activation)) throw new ArgumentOutOfRangeException(nameof(activation), activation, "unknown activation");
    }

    private static void CheckEstimator(KlEstimator estimator)
    {
        if (!Enum.IsDefined(estimator)) throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "unknown KL estimator");
    }
}

/// <summary>Which matrix-product tile size <see cref="IlgpuKernels"/> launches.</summary>
internal enum GemmTileChoice
{
    /// <summary>By grid size: <see cref="DeviceGeometry.UseSmallGemmTile"/> on GPUs, 64 × 64 elsewhere.</summary>
    BySize,
    /// <summary>Always the <see cref="DeviceGeometry.GemmTile"/> kernels (4 × 4 outputs per thread).</summary>
    Large,
    /// <summary>Always the <see cref="DeviceGeometry.GemmSmallTile"/> kernels (2 × 2 outputs per thread).</summary>
    Small,
}

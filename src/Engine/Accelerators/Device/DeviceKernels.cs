using IlgpuVae.Kernels;
using G = IlgpuVae.Kernels.DeviceGeometry;
using N = IlgpuVae.Kernels.DeviceKernelNames;

namespace IlgpuVae.Engine.Accelerators.Device;

/// <summary>
/// <see cref="IKernels"/> for every device backend (OpenCL, CUDA) at once: each method validates the
/// shapes, picks the launch geometry of <see cref="DeviceGeometry"/> and builds the argument list of
/// the portable kernel in src/Kernels/Device; a backend supplies only <see cref="Launch"/>. The
/// argument lists here are the one place that must match the kernels' parameter lists.
/// </summary>
internal abstract class DeviceKernels : IKernels
{
    /// <summary>
    /// Creates the kernels of <paramref name="owner"/>, a device of <paramref name="computeUnits"/>
    /// compute units (OpenCL compute units, CUDA multiprocessors); views passed in must belong to it.
    /// </summary>
    protected DeviceKernels(Accelerator owner, int computeUnits)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentOutOfRangeException.ThrowIfLessThan(computeUnits, 1);
        Owner = owner;
        ComputeUnits = computeUnits;
    }

    /// <summary>The device's compute units: what the matrix-product tile choice fills (<see cref="DeviceGeometry.UseSmallGemmTile"/>).</summary>
    internal int ComputeUnits { get; }

    /// <summary>
    /// Which matrix-product tiles are launched: by grid size (the default), or always one size (for the
    /// tests that check each variant, and for measuring them). The choice never changes a result.
    /// </summary>
    internal GemmTileChoice TileChoice { get; set; } = GemmTileChoice.BySize;

    /// <summary>The accelerator whose buffers these kernels take.</summary>
    protected Accelerator Owner { get; }

    /// <summary>
    /// Queues one kernel: <paramref name="groups"/> groups of <paramref name="groupSize"/> threads, with
    /// the arguments in the kernel's parameter order (a buffer argument fills two parameters, see
    /// <see cref="KernelArg"/>). Never called with an empty grid.
    /// </summary>
    protected abstract void Launch(string kernel, LaunchGrid groups, LaunchGrid groupSize, params ReadOnlySpan<KernelArg> args);

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
        var (kernel, grid) = Gemm(N.LinearForward, outputs, rows);
        Run(kernel, grid, GemmGroup, ax, aw, ab, ay, rows, inputs, outputs, (int)activation);
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
        var (kernel, grid) = Gemm(N.LinearBackwardData, inputs, rows);
        Run(kernel, grid, GemmGroup, adz, aw, ax, adx, rows, inputs, outputs, (int)inputActivation);
    }

    /// <inheritdoc />
    public void LinearBackwardWeights(BufferView<float> x, BufferView<float> dz, BufferView<float> dw, BufferView<float> db,
        int rows, int inputs, int outputs)
    {
        Dims(rows, inputs, outputs);
        var ax = In(x, (long)rows * inputs, nameof(x));
        var adz = In(dz, (long)rows * outputs, nameof(dz));
        var adw = In(dw, (long)inputs * outputs, nameof(dw));
        var adb = In(db, outputs, nameof(db));
        var (kernel, grid) = Gemm(N.LinearBackwardWeights, outputs, inputs);
        Run(kernel, grid, GemmGroup, ax, adz, adw, rows, inputs, outputs);
        Run(N.LinearBackwardBias, Elements(outputs), ElementGroup, adz, adb, rows, outputs);
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
        Run(N.SampleLatent, Elements(sampleElements), ElementGroup, ae, aeps, az, rows, latent, samples, firstRow,
            key.Stream, key.C2, key.C3, key.K0, key.K1);
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
        Run(N.GaussianKl, RowGroups(rows), RowGroup, ae, aeps, az, akl, rows, latent, samples, (int)estimator);
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
        Run(N.LatentBackward, Elements((long)rows * latent), ElementGroup, ae, aeps, az, adz, ade, rows, latent, samples,
            klScale, (int)estimator);
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
        Run(N.BernoulliLogLikelihood, RowGroups(sampleRows), RowGroup, al, ax, all, ad, sampleRows, pixels, samples, gradScale);
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
        Run(N.GaussianLogLikelihood, RowGroups(sampleRows), RowGroup, ao, ax, all, ad, sampleRows, pixels, samples, gradScale,
            minLogVariance);
    }

    /// <inheritdoc />
    public void ElboRows(BufferView<float> ll, BufferView<float> kl, BufferView<float> elbo, int rows, int samples)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        var all = In(ll, (long)rows * samples, nameof(ll));
        var akl = In(kl, rows, nameof(kl));
        var ae = In(elbo, rows, nameof(elbo));
        Run(N.ElboRows, Elements(rows), ElementGroup, all, akl, ae, rows, samples);
    }

    /// <inheritdoc />
    public void SumRows(BufferView<float> values, BufferView<float> result, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var av = In(values, count, nameof(values));
        var ar = In(result, 1, nameof(result));
        // One group of 32 lanes, whatever the count: the scheme fixes which lane adds which value.
        Run(N.SumRows, new LaunchGrid(1), new LaunchGrid(G.RowLanes), av, ar, count);
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
        Run(N.OptimizerUpdate, Elements(count), ElementGroup, ap, ag, a0, a1, count, (int)scalars.Kind,
            scalars.LearningRate, scalars.WeightDecay, scalars.Epsilon, scalars.Beta1, scalars.OneMinusBeta1,
            scalars.Beta2, scalars.OneMinusBeta2, scalars.StepSize, scalars.SecondMomentScale);
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
        Run(N.GatherBatch, Elements((long)rows * pixels), ElementGroup, ad, ai, ax, images, first, rows, pixels,
            (int)binarization, key.Stream, key.C2, key.C3, key.K0, key.K1);
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
        Run(N.ImportanceLogWeights, RowGroups(sampleRows), RowGroup, ae, aeps, az, all, aw, sampleRows, latent, samples);
    }

    /// <inheritdoc />
    public void LogMeanExp(BufferView<float> values, BufferView<float> result, int rows, int count)
    {
        Latent(rows, count, 1);
        var av = In(values, checked(rows * count), nameof(values));
        var ar = In(result, rows, nameof(result));
        Run(N.LogMeanExp, RowGroups(rows), RowGroup, av, ar, rows, count);
    }

    private static LaunchGrid GemmGroup => new(G.GemmThreads, G.GemmThreads);
    private static LaunchGrid RowGroup => new(G.RowLanes, G.RowsPerGroup);
    private static LaunchGrid ElementGroup => new(G.ElementThreads);

    /// <summary>
    /// The matrix-product kernel variant for a cols × rows result and its grid of output tiles (x across
    /// columns, y across rows): the 64 × 64 kernel, or its 32 × 32 variant when the 64 × 64 grid would not
    /// fill the device (<see cref="DeviceGeometry.UseSmallGemmTile"/>). Both use GemmGroup threads.
    /// </summary>
    private (string Kernel, LaunchGrid Grid) Gemm(string kernel, int cols, int rows)
    {
        bool small = TileChoice switch
        {
            GemmTileChoice.Large => false,
            GemmTileChoice.Small => true,
            _ => G.UseSmallGemmTile(cols, rows, ComputeUnits),
        };
        int tile = small ? G.GemmSmallTile : G.GemmTile;
        return (small ? kernel + N.SmallTileSuffix : kernel, new LaunchGrid(LaunchGrid.Cover(cols, tile), LaunchGrid.Cover(rows, tile)));
    }

    private static LaunchGrid RowGroups(int rows) => new(LaunchGrid.Cover(rows, G.RowsPerGroup));

    private static LaunchGrid Elements(long count) => new(LaunchGrid.Cover(count, G.ElementThreads));

    private void Run(string kernel, LaunchGrid groups, LaunchGrid groupSize, params ReadOnlySpan<KernelArg> args)
    {
        // Nothing to compute (e.g. zero rows): a zero-sized launch is an error on OpenCL and CUDA.
        if (groups.Count == 0) return;
        Launch(kernel, groups, groupSize, args);
    }

    /// <summary>
    /// A view as a kernel argument, after checking that it belongs to this accelerator, holds at least
    /// <paramref name="needed"/> elements, and lies within the int range the kernels index with.
    /// </summary>
    private KernelArg In<T>(BufferView<T> view, long needed, string name) where T : unmanaged
    {
        if (view.Buffer is null) throw new ArgumentNullException(name);
        if (!ReferenceEquals(view.Buffer.Accelerator, Owner) || view.Buffer is not IDeviceMemory memory)
            throw new InvalidOperationException($"a buffer of {view.Buffer.Accelerator.Name} was passed to a kernel of {Owner.Name}");
        if (view.Length < needed)
            throw new ArgumentException($"{name} holds {view.Length} elements, the shape needs {needed}", name);
        if (view.Offset + view.Length > int.MaxValue)
            throw new ArgumentException($"{name} reaches element {view.Offset + view.Length}; device kernels index buffers of at most {int.MaxValue} elements", name);
        return KernelArg.Buffer(memory, (int)view.Offset);
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

/// <summary>Which matrix-product tile size <see cref="DeviceKernels"/> launches.</summary>
internal enum GemmTileChoice
{
    /// <summary>By grid size: <see cref="DeviceGeometry.UseSmallGemmTile"/>.</summary>
    BySize,
    /// <summary>Always the <see cref="DeviceGeometry.GemmTile"/> kernels.</summary>
    Large,
    /// <summary>Always the <see cref="DeviceGeometry.GemmSmallTile"/> kernels.</summary>
    Small,
}

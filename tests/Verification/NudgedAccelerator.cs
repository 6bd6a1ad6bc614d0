using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Kernels;

namespace IlgpuVae.Tests.Verification;

/// <summary>
/// An accelerator made to differ from the CPU in one place, for checking that `verify` notices: the CPU
/// accelerator, except that its Bernoulli log-likelihood kernel scales the gradient by the next float
/// above the scale it is given — the kind of last-bit slip a device compiler's contraction or a
/// reordered product makes. Its log-likelihoods stay identical and the gradients move by about one ULP;
/// every other kernel is the CPU's.
/// </summary>
internal sealed class NudgedAccelerator : Accelerator
{
    private readonly CpuAccelerator _inner;
    private readonly NudgedKernels _kernels;

    public NudgedAccelerator(int threads = 1)
    {
        _inner = new CpuAccelerator(threads);
        _kernels = new NudgedKernels(_inner.Kernels);
    }

    public override AcceleratorKind Kind => AcceleratorKind.Cpu;

    public override string Name => "CPU with a nudged BernoulliLogLikelihood (test)";

    internal override IKernels Kernels => _kernels;

    private protected override DeviceBuffer<T> AllocateCore<T>(long length) => _inner.Allocate<T>(length);

    private protected override void SynchronizeCore() => _inner.Synchronize();

    public override void Dispose() => _inner.Dispose();

    /// <summary>The CPU's kernels, the gradient scale of the Bernoulli kernel raised by one ULP.</summary>
    private sealed class NudgedKernels(IKernels cpu) : IKernels
    {
        public void BernoulliLogLikelihood(BufferView<float> logits, BufferView<float> x, BufferView<float> ll, BufferView<float> dLogits,
            int rows, int pixels, int samples, float gradScale)
            => cpu.BernoulliLogLikelihood(logits, x, ll, dLogits, rows, pixels, samples, MathF.BitIncrement(gradScale));

        public void LinearForward(BufferView<float> x, BufferView<float> w, BufferView<float> b, BufferView<float> y, int rows, int inputs, int outputs, Activation activation)
            => cpu.LinearForward(x, w, b, y, rows, inputs, outputs, activation);

        public void LinearBackwardData(BufferView<float> dz, BufferView<float> w, BufferView<float> x, BufferView<float> dx, int rows, int inputs, int outputs, Activation inputActivation)
            => cpu.LinearBackwardData(dz, w, x, dx, rows, inputs, outputs, inputActivation);

        public void LinearBackwardWeights(BufferView<float> x, BufferView<float> dz, BufferView<float> dw, BufferView<float> db, int rows, int inputs, int outputs, BatchParts parts)
            => cpu.LinearBackwardWeights(x, dz, dw, db, rows, inputs, outputs, parts);

        public void SampleLatent(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, int rows, int latent, int samples, int firstRow, RandomKey key)
            => cpu.SampleLatent(encoderOut, epsilon, z, rows, latent, samples, firstRow, key);

        public void GaussianKl(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> kl, int rows, int latent, int samples, KlEstimator estimator)
            => cpu.GaussianKl(encoderOut, epsilon, z, kl, rows, latent, samples, estimator);

        public void LatentBackward(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> dz, BufferView<float> dEncoderOut,
            int rows, int latent, int samples, float klScale, KlEstimator estimator)
            => cpu.LatentBackward(encoderOut, epsilon, z, dz, dEncoderOut, rows, latent, samples, klScale, estimator);

        public void GaussianLogLikelihood(BufferView<float> output, BufferView<float> x, BufferView<float> ll, BufferView<float> dOutput,
            int rows, int pixels, int samples, float gradScale, float minLogVariance)
            => cpu.GaussianLogLikelihood(output, x, ll, dOutput, rows, pixels, samples, gradScale, minLogVariance);

        public void ElboRows(BufferView<float> ll, BufferView<float> kl, BufferView<float> elbo, int rows, int samples)
            => cpu.ElboRows(ll, kl, elbo, rows, samples);

        public void SumRows(BufferView<float> values, BufferView<float> result, int count, BatchParts parts) => cpu.SumRows(values, result, count, parts);

        public void OptimizerUpdate(BufferView<float> parameters, BufferView<float> gradients, BufferView<float> state0, BufferView<float> state1, int count, in OptimizerScalars scalars)
            => cpu.OptimizerUpdate(parameters, gradients, state0, state1, count, scalars);

        public void GatherBatch(BufferView<byte> data, BufferView<int> indices, BufferView<float> x, int first, int rows, int pixels, Binarization binarization, RandomKey key)
            => cpu.GatherBatch(data, indices, x, first, rows, pixels, binarization, key);

        public void ImportanceLogWeights(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> ll, BufferView<float> logWeights,
            int rows, int latent, int samples)
            => cpu.ImportanceLogWeights(encoderOut, epsilon, z, ll, logWeights, rows, latent, samples);

        public void LogMeanExp(BufferView<float> values, BufferView<float> result, int rows, int count) => cpu.LogMeanExp(values, result, rows, count);
    }
}

using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Cpu;

namespace IlgpuVae.Engine.Accelerators.Cpu;

/// <summary>
/// <see cref="IKernels"/> on the CPU: resolves views to spans and calls the C# kernels of
/// IlgpuVae.Kernels.Cpu. Holds the transpose scratch the backward products need, grown on demand and
/// then reused, so steady-state training allocates nothing here.
/// </summary>
internal sealed class CpuKernels(CpuAccelerator owner, CpuWorkerPool pool) : IKernels
{
    private float[] _scratch = [];

    private Span<float> F(BufferView<float> v) => v.Of<CpuBuffer<float>>(owner).Data.AsSpan((int)v.Offset, (int)v.Length);
    private Span<T> S<T>(BufferView<T> v) where T : unmanaged => v.Of<CpuBuffer<T>>(owner).Data.AsSpan((int)v.Offset, (int)v.Length);

    private Span<float> Scratch(long length)
    {
        if (_scratch.Length < length) _scratch = new float[length];
        return _scratch.AsSpan(0, (int)length);
    }

    public void LinearForward(BufferView<float> x, BufferView<float> w, BufferView<float> b, BufferView<float> y,
        int rows, int inputs, int outputs, Activation activation)
        => CpuLinear.Forward(pool, F(x), F(w), F(b), F(y), rows, inputs, outputs, activation);

    public void LinearBackwardData(BufferView<float> dz, BufferView<float> w, BufferView<float> x, BufferView<float> dx,
        int rows, int inputs, int outputs, Activation inputActivation)
        => CpuLinear.BackwardData(pool, F(dz), F(w), F(x), F(dx), rows, inputs, outputs, inputActivation, Scratch((long)inputs * outputs));

    public void LinearBackwardWeights(BufferView<float> x, BufferView<float> dz, BufferView<float> dw, BufferView<float> db,
        int rows, int inputs, int outputs, BatchParts parts)
        => CpuLinear.BackwardWeights(pool, F(x), F(dz), F(dw), F(db), rows, inputs, outputs, parts, Scratch((long)rows * inputs));

    public void SampleLatent(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z,
        int rows, int latent, int samples, int firstRow, RandomKey key)
        => CpuLatent.Sample(F(encoderOut), F(epsilon), F(z), rows, latent, samples, firstRow, key);

    public void GaussianKl(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> kl,
        int rows, int latent, int samples, KlEstimator estimator)
        => CpuLatent.Kl(F(encoderOut), F(epsilon), F(z), F(kl), rows, latent, samples, estimator);

    public void LatentBackward(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> dz,
        BufferView<float> dEncoderOut, int rows, int latent, int samples, float klScale, KlEstimator estimator)
        => CpuLatent.Backward(F(encoderOut), F(epsilon), F(z), F(dz), F(dEncoderOut), rows, latent, samples, klScale, estimator);

    public void BernoulliLogLikelihood(BufferView<float> logits, BufferView<float> x, BufferView<float> ll, BufferView<float> dLogits,
        int rows, int pixels, int samples, float gradScale)
        => CpuLikelihood.Bernoulli(pool, F(logits), F(x), F(ll), F(dLogits), rows * samples, pixels, samples, gradScale);

    public void GaussianLogLikelihood(BufferView<float> output, BufferView<float> x, BufferView<float> ll, BufferView<float> dOutput,
        int rows, int pixels, int samples, float gradScale, float minLogVariance)
        => CpuLikelihood.Gaussian(pool, F(output), F(x), F(ll), F(dOutput), rows * samples, pixels, samples, gradScale, minLogVariance);

    public void ElboRows(BufferView<float> ll, BufferView<float> kl, BufferView<float> elbo, int rows, int samples)
        => CpuReductions.ElboRows(F(ll), F(kl), F(elbo), rows, samples);

    public void SumRows(BufferView<float> values, BufferView<float> result, int count, BatchParts parts)
        => CpuReductions.Sum(F(values), F(result), count, parts);

    public void OptimizerUpdate(BufferView<float> parameters, BufferView<float> gradients, BufferView<float> state0,
        BufferView<float> state1, int count, in OptimizerScalars scalars)
        => CpuOptimizer.Update(pool, F(parameters), F(gradients), F(state0), F(state1), count, scalars);

    public void GatherBatch(BufferView<byte> data, BufferView<int> indices, BufferView<float> x,
        int first, int rows, int pixels, Binarization binarization, RandomKey key)
        => CpuGather.Gather(pool, S(data), S(indices), F(x), first, rows, pixels, binarization, key);

    public void ImportanceLogWeights(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> ll,
        BufferView<float> logWeights, int rows, int latent, int samples)
        => CpuImportance.LogWeights(F(encoderOut), F(epsilon), F(z), F(ll), F(logWeights), rows, latent, samples);

    public void LogMeanExp(BufferView<float> values, BufferView<float> result, int rows, int count)
        => CpuImportance.LogMeanExp(F(values), F(result), rows, count);
}

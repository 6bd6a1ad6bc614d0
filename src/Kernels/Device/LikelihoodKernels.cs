using ILGPU;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// The decoder log-likelihoods and their gradients (docs/kernels.md), one pass over each decoder row:
/// each of a row's 32 lanes computes its strided terms, writes their gradients and keeps its partial sum;
/// <see cref="RowReduce32.Sum"/> finishes the row. Decoder row r belongs to datapoint r / S.
/// Grid: ⌈rows·S / rows-per-group⌉ groups of 32 × rows-per-group (<see cref="DeviceGeometry.RowsPerGroup"/>).
/// </summary>
public static class LikelihoodKernels
{
    /// <summary>Bernoulli: ll[r] = rowsum32(<see cref="LikelihoodMath.BernoulliTerm"/>) and the logits' gradients.</summary>
    public static void Bernoulli(ArrayView<float> logits, ArrayView<float> x, ArrayView<float> ll, ArrayView<float> dLogits,
        int sampleRows, int pixels, int samples, float gradScale)
    {
        var p = RowReduce32.AllocatePartials();
        int lane = RowReduce32.Lane;
        int r = RowReduce32.Row;
        bool valid = r < sampleRows;
        float partial = 0f;
        if (valid)
        {
            int xRow = r / samples * pixels;
            int row = r * pixels;
            for (int j = lane; j < pixels; j += DeviceGeometry.RowLanes)
            {
                float term = LikelihoodMath.BernoulliTerm(logits[row + j], x[xRow + j], gradScale, out float grad);
                dLogits[row + j] = grad;
                partial = partial + term;
            }
        }
        float sum = RowReduce32.Sum(p, lane, partial);
        if (valid && lane == 0) ll[r] = sum;
    }

    /// <summary>
    /// Gaussian: output row r holds the mean pre-activation in [0, P) and the raw log-variance in [P, 2P);
    /// ll[r] = rowsum32(<see cref="LikelihoodMath.GaussianTerm"/>), gradients into the same layout.
    /// </summary>
    public static void Gaussian(ArrayView<float> output, ArrayView<float> x, ArrayView<float> ll, ArrayView<float> dOutput,
        int sampleRows, int pixels, int samples, float gradScale, float minLogVariance)
    {
        var p = RowReduce32.AllocatePartials();
        int lane = RowReduce32.Lane;
        int r = RowReduce32.Row;
        bool valid = r < sampleRows;
        float partial = 0f;
        if (valid)
        {
            int xRow = r / samples * pixels;
            int row = r * 2 * pixels;
            for (int j = lane; j < pixels; j += DeviceGeometry.RowLanes)
            {
                float term = LikelihoodMath.GaussianTerm(output[row + j], output[row + pixels + j], x[xRow + j], gradScale,
                    minLogVariance, out float gradMean, out float gradLogVariance);
                dOutput[row + j] = gradMean;
                dOutput[row + pixels + j] = gradLogVariance;
                partial = partial + term;
            }
        }
        float sum = RowReduce32.Sum(p, lane, partial);
        if (valid && lane == 0) ll[r] = sum;
    }
}

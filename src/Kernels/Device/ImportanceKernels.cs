using ILGPU;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// The importance-sampling estimate of log p(x) (docs/kernels.md: importance log-weights, log-mean-exp).
/// Both give each row to the 32 lanes of one group row, like the likelihoods.
/// Grid: ⌈rows / rows-per-group⌉ groups of 32 × rows-per-group (<see cref="DeviceGeometry.RowsPerGroup"/>).
/// </summary>
public static class ImportanceKernels
{
    /// <summary>w[r] = ll[r] − rowsum32(<see cref="LatentMath.SampleKlTerm"/>) for sample row r = i·S + l.</summary>
    public static void LogWeights(ArrayView<float> e, ArrayView<float> epsilon, ArrayView<float> z, ArrayView<float> ll,
        ArrayView<float> w, int sampleRows, int latent, int samples)
    {
        var p = RowReduce32.AllocatePartials();
        int lane = RowReduce32.Lane;
        int r = RowReduce32.Row;
        bool valid = r < sampleRows;
        float partial = 0f;
        if (valid)
        {
            int lv = r / samples * 2 * latent + latent;
            for (int j = lane; j < latent; j += DeviceGeometry.RowLanes)
                partial = partial + LatentMath.SampleKlTerm(z[r * latent + j], epsilon[r * latent + j], e[lv + j]);
        }
        float k = RowReduce32.Sum(p, lane, partial);
        if (valid && lane == 0) w[r] = ll[r] - k;
    }

    /// <summary>
    /// Log-mean-exp of each row of <paramref name="count"/> values: m = the 32-lane maximum (partials from −∞);
    /// c = m if finite, else 0; s = rowsum32(exp(v − c)); result = (c + log s) − log count.
    /// </summary>
    public static void LogMeanExp(ArrayView<float> v, ArrayView<float> result, int rows, int count)
    {
        var p = RowReduce32.AllocatePartials();
        int lane = RowReduce32.Lane;
        int i = RowReduce32.Row;
        bool valid = i < rows;
        // Rows past the end get no index arithmetic at all (i·count could leave the int range).
        int row = valid ? i * count : 0;
        float high = float.NegativeInfinity;
        if (valid)
        {
            for (int k = lane; k < count; k += DeviceGeometry.RowLanes)
            {
                float value = v[row + k];
                high = value > high ? value : high;
            }
        }
        float m = RowReduce32.Max(p, lane, high);
        // An infinite maximum cannot be subtracted (∞ − ∞ is NaN): shift by 0, which gives the limits.
        float c = m > float.NegativeInfinity && m < float.PositiveInfinity ? m : 0f;
        float partial = 0f;
        if (valid)
        {
            for (int k = lane; k < count; k += DeviceGeometry.RowLanes)
                partial = partial + DeterministicMath.Exp(v[row + k] - c);
        }
        float s = RowReduce32.Sum(p, lane, partial);
        if (valid && lane == 0)
        {
            float t = DeterministicMath.Log(s);
            t = c + t;
            result[i] = t - DeterministicMath.Log(count);
        }
    }
}

using ILGPU;

namespace IlgpuVae.Kernels.Device;

/// <summary>Per-datapoint ELBO and the batch sum (docs/kernels.md: ELBO rows and batch sums).</summary>
public static class ReductionKernels
{
    /// <summary>
    /// elbo[i] = acc / S − kl[i], acc = ((0 + ll[i·S]) + ll[i·S + 1]) + … over l ascending, one thread per
    /// datapoint. Grid: ⌈rows / element threads⌉ groups (<see cref="DeviceGeometry.ElementThreads"/>).
    /// </summary>
    public static void ElboRows(ArrayView<float> ll, ArrayView<float> kl, ArrayView<float> elbo, int rows, int samples)
    {
        int i = Grid.GlobalIndex.X;
        if (i >= rows) return;
        float acc = 0f;
        for (int l = 0; l < samples; l++) acc = acc + ll[i * samples + l];
        elbo[i] = acc / samples - kl[i];
    }

    /// <summary>
    /// result[0] = rowsum32(values[0 … count)): one group of 32 lanes, lane t summing values t, t + 32, …
    /// before the fixed tree. Grid: 1 group of 32 × 1.
    /// </summary>
    public static void Sum(ArrayView<float> values, ArrayView<float> result, int count)
    {
        var p = SharedMemory.Allocate<float>(DeviceGeometry.RowLanes);
        int lane = Group.IdxX;
        float partial = 0f;
        for (int j = lane; j < count; j += DeviceGeometry.RowLanes) partial = partial + values[j];
        float sum = RowReduce32.Sum(p, lane, partial);
        if (lane == 0) result[0] = sum;
    }
}

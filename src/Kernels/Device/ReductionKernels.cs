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
    /// The batch sum over minibatch parts: per part, rowsum32 of its values (lane t summing the part's values
    /// t, t + 32, … before the fixed tree), the parts added left to right into result[0] (or, with a non-zero
    /// <see cref="BatchParts.Stride"/>, part j's sum stored at result[j·stride]). One group of 32 lanes walks
    /// the parts in turn; every lane runs every part (the tree holds barriers). Grid: 1 group of 32 × 1.
    /// </summary>
    public static void Sum(ArrayView<float> values, ArrayView<float> result, BatchParts parts)
    {
        var p = SharedMemory.Allocate<float>(DeviceGeometry.RowLanes);
        int lane = Group.IdxX;
        float total = 0f;
        int start = 0;
        for (int part = 0; part < parts.Length; part++)
        {
            int end = parts.RowStart(part + 1);
            float partial = 0f;
            for (int j = start + lane; j < end; j += DeviceGeometry.RowLanes) partial = partial + values[j];
            float sum = RowReduce32.Sum(p, lane, partial);
            if (parts.Stride != 0) { if (lane == 0) result[part * parts.Stride] = sum; }
            else if (part == 0) total = sum;
            else total = total + sum;
            start = end;
        }
        if (parts.Stride == 0 && lane == 0) result[0] = total;
    }
}

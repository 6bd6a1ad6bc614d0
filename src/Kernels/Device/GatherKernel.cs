using ILGPU;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Device;

/// <summary>The minibatch gather from the data set held as bytes (docs/kernels.md: minibatch gather).</summary>
public static class GatherKernel
{
    /// <summary>
    /// x[r,p] = <see cref="PixelMath.Value"/>(data[indices[first + r]·P + p], element r·P + p), one thread per
    /// element. An index outside [0, images) is a caller bug (the host cannot see the indices without a
    /// copy); the kernel then reads nothing and writes 0.
    /// Grid: ⌈rows·P / element threads⌉ groups (<see cref="DeviceGeometry.ElementThreads"/>).
    /// </summary>
    public static void Gather(ArrayView<byte> data, ArrayView<int> indices, ArrayView<float> x,
        int images, int first, int rows, int pixels, Binarization binarization, RandomKey key)
    {
        int e = Grid.GlobalIndex.X;
        if (e >= rows * pixels) return;
        int r = e / pixels;
        int p = e - r * pixels;
        int image = indices[first + r];
        x[e] = image < 0 || image >= images ? 0f : PixelMath.Value(data[image * pixels + p], binarization, (uint)e, key);
    }
}

using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// Minibatch gather from the dataset held as bytes (contract in docs/kernels.md): row r of x is image
/// indices[first + r], scaled to [0, 1] or binarized. Rows are spread over threads.
/// </summary>
public static unsafe class CpuGather
{
    /// <summary>Fills x (rows×pixels) from the byte images selected by indices[first..first+rows).</summary>
    public static void Gather(CpuWorkerPool pool, ReadOnlySpan<byte> data, ReadOnlySpan<int> indices, Span<float> x,
        int first, int rows, int pixels, Binarization binarization, RandomKey key)
    {
        long images = data.Length / pixels;
        for (int r = 0; r < rows; r++)
        {
            int index = indices[first + r];
            if ((uint)index >= images) throw new ArgumentOutOfRangeException(nameof(indices), $"image index {index} outside a dataset of {images} images");
        }
        fixed (byte* pd = data)
        fixed (int* pi = indices)
        fixed (float* px = x)
        {
            var job = new Job { Data = pd, Indices = pi + first, X = px, Pixels = pixels, Binarization = binarization, Key = key };
            pool.Run(rows, ref job);
        }
    }

    private struct Job : IRangeJob
    {
        public byte* Data;
        public int* Indices;
        public float* X;
        public int Pixels;
        public Binarization Binarization;
        public RandomKey Key;

        public readonly void Run(int start, int end)
        {
            for (int r = start; r < end; r++)
            {
                byte* src = Data + (long)Indices[r] * Pixels;
                float* dst = X + (long)r * Pixels;
                for (int p = 0; p < Pixels; p++)
                    dst[p] = PixelMath.Value(src[p], Binarization, (uint)((long)r * Pixels + p), Key);
            }
        }
    }
}

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

    /// <summary>The value of one pixel byte as the model sees it (element = r·pixels + p).</summary>
    public static float Pixel(byte b, Binarization binarization, uint element, RandomKey key)
    {
        switch (binarization)
        {
            case Binarization.Threshold:
                return b >= 128 ? 1f : 0f;
            case Binarization.Dynamic:
            {
                var (x0, x1, x2, x3) = Philox4x32.Generate(element >> 2, key.Stream, key.C2, key.C3, key.K0, key.K1);
                uint word = (element & 3) switch { 0 => x0, 1 => x1, 2 => x2, _ => x3 };
                return Philox4x32.ToUniform(word) < (float)b / 255f ? 1f : 0f;
            }
            default:
                return (float)b / 255f;
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
                    dst[p] = Pixel(src[p], Binarization, (uint)((long)r * Pixels + p), Key);
            }
        }
    }
}

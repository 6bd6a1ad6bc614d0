using ILGPU;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// The linear-layer kernels (docs/kernels.md: linear forward, backward data, backward weights and bias).
/// The three matrix products run on <see cref="GemmTile"/> with a register block type argument:
/// <see cref="Block4x4"/> (64 × 64 tiles on a GPU) or <see cref="Block2x2"/> (32 × 32 tiles, for small grids
/// on large GPUs). Both give the same bits; the host picks by grid size (<see cref="DeviceGeometry.UseSmallGemmTile"/>).
/// </summary>
/// <remarks>
/// Grids of the products: (⌈columns / tile⌉, ⌈rows / tile⌉) groups of T × T threads
/// (<see cref="DeviceGeometry.GemmThreads"/>), the tile T × the block's side wide.
/// </remarks>
public static class LinearKernels
{
    /// <summary>
    /// y[m,n] = act(acc), acc = FMA chain over k ascending from b[n] of x[m,k]·w[k,n].
    /// x rows×inputs, w inputs×outputs, b outputs, y rows×outputs.
    /// </summary>
    public static void Forward<TBlock>(ArrayView<float> x, ArrayView<float> w, ArrayView<float> b, ArrayView<float> y,
        int rows, int inputs, int outputs, Activation activation) where TBlock : struct, IGemmRegisterBlock
    {
        var epilogue = new ForwardEpilogue { B = b, Y = y, Rows = rows, Cols = outputs, Activation = activation };
        GemmTile.Run<TBlock, ForwardEpilogue>(SharedMemory.Allocate<float>(GemmTile.StageLength),
            SharedMemory.Allocate<float>(GemmTile.StageLength), x, inputs, 1, w, outputs, 1, rows, outputs, inputs, ref epilogue);
    }

    /// <summary>
    /// dx[m,k] = acc · act′(x[m,k]), acc = FMA chain over n ascending from 0 of dz[m,n]·w[k,n], with act′
    /// from the stored activation output x (docs/kernels.md). dz rows×outputs, w inputs×outputs, x and dx rows×inputs.
    /// </summary>
    public static void BackwardData<TBlock>(ArrayView<float> dz, ArrayView<float> w, ArrayView<float> x, ArrayView<float> dx,
        int rows, int inputs, int outputs, Activation activation) where TBlock : struct, IGemmRegisterBlock
    {
        var epilogue = new BackwardDataEpilogue { X = x, Dx = dx, Rows = rows, Cols = inputs, Activation = activation };
        // A(m, n) = dz[m·outputs + n]; B(n, k) = w[k·outputs + n] (w read transposed).
        GemmTile.Run<TBlock, BackwardDataEpilogue>(SharedMemory.Allocate<float>(GemmTile.StageLength),
            SharedMemory.Allocate<float>(GemmTile.StageLength), dz, outputs, 1, w, 1, outputs, rows, inputs, outputs, ref epilogue);
    }

    /// <summary>
    /// dw[k,n] = FMA chain over m ascending from 0 of x[m,k]·dz[m,n] within each minibatch part, the parts
    /// added left to right (or, with a non-zero <see cref="BatchParts.Stride"/>, part j's chains stored at
    /// dw + j·stride); overwritten. x rows×inputs, dz rows×outputs, dw inputs×outputs, rows = the parts' rows.
    /// The bias gradient is <see cref="BackwardBias"/>.
    /// </summary>
    public static void BackwardWeights<TBlock>(ArrayView<float> x, ArrayView<float> dz, ArrayView<float> dw,
        int rows, int inputs, int outputs, BatchParts parts) where TBlock : struct, IGemmRegisterBlock
    {
        var epilogue = new StoreEpilogue { C = dw, Rows = inputs, Cols = outputs, Stride = parts.Stride };
        // A(k, m) = x[m·inputs + k] (x read transposed); B(m, n) = dz[m·outputs + n].
        GemmTile.Run<TBlock, StoreEpilogue>(SharedMemory.Allocate<float>(GemmTile.StageLength),
            SharedMemory.Allocate<float>(GemmTile.StageLength), x, 1, inputs, dz, outputs, 1, inputs, outputs, parts, ref epilogue);
    }

    /// <summary>
    /// db[n] = ((0 + dz[s,n]) + dz[s+1,n]) + … over each minibatch part's rows in ascending order, the parts
    /// added left to right (or, with a non-zero <see cref="BatchParts.Stride"/>, part j's sum stored at
    /// db[j·stride + n]); overwritten. One thread per column: the column sums are few and short, and
    /// splitting one would change its order.
    /// Grid: ⌈outputs / element threads⌉ groups of element threads (<see cref="DeviceGeometry.ElementThreads"/>).
    /// </summary>
    public static void BackwardBias(ArrayView<float> dz, ArrayView<float> db, int outputs, BatchParts parts)
    {
        int n = Grid.GlobalIndex.X;
        if (n >= outputs) return;
        float total = 0f;
        int start = 0;
        for (int p = 0; p < parts.Length; p++)
        {
            int end = parts.RowStart(p + 1);
            float acc = 0f;
            for (int m = start; m < end; m++) acc = acc + dz[m * outputs + n];
            if (parts.Stride != 0) db[p * parts.Stride + n] = acc;
            else if (p == 0) total = acc;
            else total = total + acc;
            start = end;
        }
        if (parts.Stride == 0) db[n] = total;
    }

    private struct ForwardEpilogue : IGemmEpilogue
    {
        public ArrayView<float> B, Y;
        public int Rows, Cols;
        public Activation Activation;

        public readonly float Start(int m, int n) => n < Cols ? B[n] : 0f;

        public readonly void Finish(int m, int n, float acc)
        {
            if (m < Rows && n < Cols) Y[m * Cols + n] = ActivationMath.Apply(Activation, acc);
        }

        // The forward product is one chain: it never has parts to store apart.
        public readonly void FinishPart(int m, int n, int part, float acc) => Finish(m, n, acc);
    }

    private struct BackwardDataEpilogue : IGemmEpilogue
    {
        public ArrayView<float> X, Dx;
        public int Rows, Cols;
        public Activation Activation;

        public readonly float Start(int m, int n) => 0f;

        public readonly void Finish(int m, int n, float acc)
        {
            if (m >= Rows || n >= Cols) return;
            int at = m * Cols + n;
            Dx[at] = ActivationMath.BackThrough(Activation, acc, X[at]);
        }

        // The data gradient sums over outputs, never over the minibatch: it has no parts.
        public readonly void FinishPart(int m, int n, int part, float acc) => Finish(m, n, acc);
    }

    private struct StoreEpilogue : IGemmEpilogue
    {
        public ArrayView<float> C;
        public int Rows, Cols, Stride;

        public readonly float Start(int m, int n) => 0f;

        public readonly void Finish(int m, int n, float acc)
        {
            if (m < Rows && n < Cols) C[m * Cols + n] = acc;
        }

        public readonly void FinishPart(int m, int n, int part, float acc)
        {
            if (m < Rows && n < Cols) C[part * Stride + m * Cols + n] = acc;
        }
    }
}

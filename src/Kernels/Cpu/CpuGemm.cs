using System.Buffers;
using System.Runtime.Intrinsics;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Kernels.Cpu;

/// <summary>What <see cref="CpuGemm"/> does with each finished sum before storing it.</summary>
internal enum GemmEpilogue
{
    /// <summary>c = act(acc).</summary>
    Activate,
    /// <summary>c = acc · act′(e), with act′ computed from the activation output e (same shape as c).</summary>
    MultiplyByDerivative,
}

/// <summary>
/// The one matrix-product engine behind the three linear kernels: C = epilogue(start + A·B), A row-major
/// M×K, B row-major K×N, where every output is an FMA chain over k ascending that starts from
/// bias[n] (or 0). The chain order is the contract of docs/kernels.md, so vectorising across n
/// (16 independent outputs per AVX-512 register) and tiling over rows and columns change nothing in
/// the bits. Threads take whole output tiles; no sum is ever split.
/// When k runs over a minibatch, it may be divided into parts (<see cref="BatchParts"/>): each part is
/// then a chain of its own from the start value, and the parts' results are either added left to right
/// into C (C = p₀, then C = C + p₁, …) or each stored on its own, the part stride apart.
/// </summary>
internal static unsafe class CpuGemm
{
    private const int RowBlock = 4;    // rows per register tile
    private const int PanelWidth = 32; // columns per register tile: two 16-lane vectors
    private const int RowsPerItem = 16; // rows per unit of parallel work

    /// <summary>
    /// Runs the product. <paramref name="bias"/> null means a start of 0; <paramref name="e"/> is used by
    /// the derivative epilogue. When N is not a multiple of 16, the last N mod 16 columns of B (and of
    /// the bias) are first copied into a zero-padded 16-wide panel, so those outputs also run as vector
    /// lanes (a column of B walked with scalar loads is many times slower); the padded lanes compute on
    /// zeros and are never stored, and every stored lane keeps its own FMA chain, so the bits are those
    /// of the contract.
    /// </summary>
    public static void Run(CpuWorkerPool pool, float* a, int lda, float* b, int ldb, float* c, int ldc,
        int m, int n, int k, float* bias, GemmEpilogue epilogue, Activation activation, float* e, int lde) =>
        Run(pool, a, lda, b, ldb, c, ldc, m, n, k, bias, epilogue, activation, e, lde, BatchParts.Whole(k));

    /// <summary>
    /// Runs the product with k divided into <paramref name="parts"/> (their rows are the k indices); a
    /// non-zero <see cref="BatchParts.Stride"/> writes part j's outputs j·stride elements after C. More than
    /// one part requires the plain store (the identity epilogue without a bias).
    /// </summary>
    public static void Run(CpuWorkerPool pool, float* a, int lda, float* b, int ldb, float* c, int ldc,
        int m, int n, int k, float* bias, GemmEpilogue epilogue, Activation activation, float* e, int lde, BatchParts parts)
    {
        if (parts.Length > 1 && (bias != null || epilogue != GemmEpilogue.Activate || activation != Activation.Identity))
            throw new ArgumentException("a product in parts stores its sums as they are: no bias, no activation", nameof(parts));
        // The k index where each part begins, and the end: computed once here, read by every tile.
        int* partStarts = stackalloc int[parts.Length + 1];
        for (int j = 0; j <= parts.Length; j++) partStarts[j] = parts.RowStart(j);
        var job = new Job
        {
            A = a, Lda = lda, B = b, Ldb = ldb, C = c, Ldc = ldc, M = m, N = n, K = k, Bias = bias,
            Epilogue = epilogue, Activation = activation, E = e, Lde = lde,
            Panels = (n + PanelWidth - 1) / PanelWidth,
            RowItems = (m + RowsPerItem - 1) / RowsPerItem,
            TailWidth = n % 16, TailStart = n - n % 16,
            PartStarts = partStarts, PartCount = parts.Length, PartStride = parts.Stride,
        };
        float[]? rented = job.TailWidth == 0 ? null : ArrayPool<float>.Shared.Rent(16 * (k + 1));
        try
        {
            fixed (float* tail = rented)
            {
                if (tail != null)
                {
                    PackTail(b, ldb, k, job.TailStart, job.TailWidth, tail);
                    job.Tail = tail;
                    if (bias != null)
                    {
                        job.TailBias = tail + 16 * k;
                        for (int j = 0; j < 16; j++) job.TailBias[j] = j < job.TailWidth ? bias[job.TailStart + j] : 0f;
                    }
                }
                pool.Run(job.Panels * job.RowItems, ref job);
            }
        }
        finally
        {
            if (rented is not null) ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Copies columns [start, start + width) of B into a K×16 panel, zero-padded on the right.</summary>
    private static void PackTail(float* b, int ldb, int k, int start, int width, float* tail)
    {
        for (int kk = 0; kk < k; kk++)
        {
            float* src = b + (long)kk * ldb + start;
            float* dst = tail + 16 * kk;
            for (int j = 0; j < 16; j++) dst[j] = j < width ? src[j] : 0f;
        }
    }

    private struct Job : IRangeJob
    {
        public float* A, B, C, Bias, E, Tail, TailBias;
        public int* PartStarts;
        public int Lda, Ldb, Ldc, Lde, M, N, K, Panels, RowItems, TailStart, TailWidth, PartCount;
        public long PartStride;
        public GemmEpilogue Epilogue;
        public Activation Activation;

        public readonly void Run(int start, int end)
        {
            for (int item = start; item < end; item++)
            {
                // Items are ordered panel-major so a thread's consecutive items reuse one panel of B.
                int panel = item / RowItems, rowItem = item % RowItems;
                int n0 = panel * PanelWidth, width = System.Math.Min(PanelWidth, N - n0);
                int m0 = rowItem * RowsPerItem, m1 = System.Math.Min(M, m0 + RowsPerItem);
                Tile(m0, m1, n0, width);
                Finish(m0, m1, n0, width);
            }
        }

        /// <summary>
        /// The tile's outputs. The 4-row register tiles run every part themselves, keeping the parts' running
        /// totals in registers; the single rows and the packed tail run part by part, each part's chains going to
        /// C (the first part, or every part when stored apart) or added to what C holds.
        /// </summary>
        private readonly void Tile(int m0, int m1, int n0, int width)
        {
            int m = m0;
            if (width == PanelWidth)
            {
                for (; m + RowBlock <= m1; m += RowBlock) Kernel4x32(m, n0);
                for (; m < m1; m++)
                    for (int p = 0; p < PartCount; p++) { Kernel1x16(m, n0, Part(p)); Kernel1x16(m, n0 + 16, Part(p)); }
                return;
            }
            int vectorWidth = width >= 16 ? 16 : 0;
            if (vectorWidth > 0)
            {
                for (; m + RowBlock <= m1; m += RowBlock) Kernel4x16(m, n0);
                for (; m < m1; m++)
                    for (int p = 0; p < PartCount; p++) Kernel1x16(m, n0, Part(p));
            }
            if (vectorWidth == width) return;
            // The rest of this last panel is the packed tail.
            for (m = m0; m + RowBlock <= m1; m += RowBlock) TailKernel4(m);
            for (; m < m1; m++)
                for (int p = 0; p < PartCount; p++) TailKernel1(m, Part(p));
        }

        /// <summary>Part <paramref name="p"/>'s k range and where its outputs go.</summary>
        private readonly Range Part(int p) => new(PartStarts[p], PartStarts[p + 1], PartStride * p, PartStride == 0 && p > 0);

        /// <summary>One part's k range, where its outputs go (shifted from C), and whether they are added to C's.</summary>
        private readonly record struct Range(int K0, int K1, long Shift, bool Add);

        /// <summary>Stores a finished vector of chains, or adds it to the stored one (stored + new, the contract's order).</summary>
        private static void Put(float* c, Vector512<float> value, bool add)
        {
            if (add) value = Vector512.Load(c) + value;
            value.Store(c);
        }

        private readonly Vector512<float> TailStartValue() =>
            TailBias == null ? Vector512<float>.Zero : Vector512.Load(TailBias);

        /// <summary>4 rows of the packed tail, every part, folded in registers as in <see cref="Kernel4x32"/>.</summary>
        private readonly void TailKernel4(int m)
        {
            float* a0 = A + (long)m * Lda, a1 = a0 + Lda, a2 = a1 + Lda, a3 = a2 + Lda;
            Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
            for (int p = 0; p < PartCount; p++)
            {
                var c0 = TailStartValue(); var c1 = c0; var c2 = c0; var c3 = c0;
                int k1 = PartStarts[p + 1];
                float* bp = Tail + 16 * PartStarts[p];
                for (int kk = PartStarts[p]; kk < k1; kk++, bp += 16)
                {
                    var b0 = Vector512.Load(bp);
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[kk]), b0, c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[kk]), b0, c1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[kk]), b0, c2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[kk]), b0, c3);
                }
                if (PartStride != 0) StoreTail4(m, Part(p), c0, c1, c2, c3);
                else if (p == 0) { t0 = c0; t1 = c1; t2 = c2; t3 = c3; }
                else { t0 += c0; t1 += c1; t2 += c2; t3 += c3; }
            }
            if (PartStride == 0) StoreTail4(m, Part(0), t0, t1, t2, t3);
        }

        private readonly void StoreTail4(int m, Range r, Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3)
        {
            StoreTail(m, t0, r); StoreTail(m + 1, t1, r); StoreTail(m + 2, t2, r); StoreTail(m + 3, t3, r);
        }

        private readonly void TailKernel1(int m, Range r)
        {
            var acc = TailStartValue();
            float* a0 = A + (long)m * Lda;
            float* bp = Tail + 16 * r.K0;
            for (int kk = r.K0; kk < r.K1; kk++, bp += 16)
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(a0[kk]), Vector512.Load(bp), acc);
            StoreTail(m, acc, r);
        }

        /// <summary>Stores (or adds) the lanes of real columns only.</summary>
        private readonly void StoreTail(int m, Vector512<float> value, Range r)
        {
            float* lanes = stackalloc float[16];
            value.Store(lanes);
            float* c = C + (long)m * Ldc + TailStart + r.Shift;
            if (r.Add)
                for (int j = 0; j < TailWidth; j++) c[j] = c[j] + lanes[j];
            else
                for (int j = 0; j < TailWidth; j++) c[j] = lanes[j];
        }

        private readonly Vector512<float> Start(int n0) =>
            Bias == null ? Vector512<float>.Zero : Vector512.Load(Bias + n0);

        /// <summary>
        /// 4 rows × 32 columns. One part: the plain register tile. Several: each part's chains from the start value
        /// in registers of their own, then stored apart or folded into totals held in registers (t = p₀, then
        /// t = t + p₁, …), stored at the end. (Two loops rather than one with totals: the products of one part —
        /// the forward and data-gradient products, every step — keep the plain tile's speed.)
        /// </summary>
        private readonly void Kernel4x32(int m, int n0)
        {
            float* a0 = A + (long)m * Lda, a1 = a0 + Lda, a2 = a1 + Lda, a3 = a2 + Lda;
            float* c = C + (long)m * Ldc + n0;
            if (PartCount == 1)
            {
                var c00 = Start(n0); var c01 = Start(n0 + 16);
                var c10 = c00; var c11 = c01; var c20 = c00; var c21 = c01; var c30 = c00; var c31 = c01;
                float* bp = B + n0;
                for (int kk = 0; kk < K; kk++, bp += Ldb)
                {
                    var b0 = Vector512.Load(bp);
                    var b1 = Vector512.Load(bp + 16);
                    var x = Vector512.Create(a0[kk]);
                    c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                    x = Vector512.Create(a1[kk]);
                    c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                    x = Vector512.Create(a2[kk]);
                    c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                    x = Vector512.Create(a3[kk]);
                    c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                }
                Store4x32(c, c00, c01, c10, c11, c20, c21, c30, c31);
                return;
            }
            Vector512<float> t00 = default, t01 = default, t10 = default, t11 = default, t20 = default, t21 = default, t30 = default, t31 = default;
            for (int p = 0; p < PartCount; p++)
            {
                var c00 = Start(n0); var c01 = Start(n0 + 16);
                var c10 = c00; var c11 = c01; var c20 = c00; var c21 = c01; var c30 = c00; var c31 = c01;
                int k1 = PartStarts[p + 1];
                float* bp = B + (long)PartStarts[p] * Ldb + n0;
                for (int kk = PartStarts[p]; kk < k1; kk++, bp += Ldb)
                {
                    var b0 = Vector512.Load(bp);
                    var b1 = Vector512.Load(bp + 16);
                    var x = Vector512.Create(a0[kk]);
                    c00 = Vector512.FusedMultiplyAdd(x, b0, c00); c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                    x = Vector512.Create(a1[kk]);
                    c10 = Vector512.FusedMultiplyAdd(x, b0, c10); c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                    x = Vector512.Create(a2[kk]);
                    c20 = Vector512.FusedMultiplyAdd(x, b0, c20); c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                    x = Vector512.Create(a3[kk]);
                    c30 = Vector512.FusedMultiplyAdd(x, b0, c30); c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                }
                if (PartStride != 0)
                {
                    Store4x32(c + PartStride * p, c00, c01, c10, c11, c20, c21, c30, c31);
                }
                else if (p == 0)
                {
                    t00 = c00; t01 = c01; t10 = c10; t11 = c11; t20 = c20; t21 = c21; t30 = c30; t31 = c31;
                }
                else
                {
                    t00 += c00; t01 += c01; t10 += c10; t11 += c11; t20 += c20; t21 += c21; t30 += c30; t31 += c31;
                }
            }
            if (PartStride == 0) Store4x32(c, t00, t01, t10, t11, t20, t21, t30, t31);
        }

        private readonly void Store4x32(float* c, Vector512<float> c00, Vector512<float> c01, Vector512<float> c10, Vector512<float> c11,
            Vector512<float> c20, Vector512<float> c21, Vector512<float> c30, Vector512<float> c31)
        {
            c00.Store(c); c01.Store(c + 16); c += Ldc;
            c10.Store(c); c11.Store(c + 16); c += Ldc;
            c20.Store(c); c21.Store(c + 16); c += Ldc;
            c30.Store(c); c31.Store(c + 16);
        }

        /// <summary>4 rows × 16 columns, every part, folded in registers as in <see cref="Kernel4x32"/>.</summary>
        private readonly void Kernel4x16(int m, int n0)
        {
            float* a0 = A + (long)m * Lda, a1 = a0 + Lda, a2 = a1 + Lda, a3 = a2 + Lda;
            float* c = C + (long)m * Ldc + n0;
            Vector512<float> t0 = default, t1 = default, t2 = default, t3 = default;
            for (int p = 0; p < PartCount; p++)
            {
                var c0 = Start(n0); var c1 = c0; var c2 = c0; var c3 = c0;
                int k1 = PartStarts[p + 1];
                float* bp = B + (long)PartStarts[p] * Ldb + n0;
                for (int kk = PartStarts[p]; kk < k1; kk++, bp += Ldb)
                {
                    var b0 = Vector512.Load(bp);
                    c0 = Vector512.FusedMultiplyAdd(Vector512.Create(a0[kk]), b0, c0);
                    c1 = Vector512.FusedMultiplyAdd(Vector512.Create(a1[kk]), b0, c1);
                    c2 = Vector512.FusedMultiplyAdd(Vector512.Create(a2[kk]), b0, c2);
                    c3 = Vector512.FusedMultiplyAdd(Vector512.Create(a3[kk]), b0, c3);
                }
                if (PartStride != 0) Store4x16(c + PartStride * p, c0, c1, c2, c3);
                else if (p == 0) { t0 = c0; t1 = c1; t2 = c2; t3 = c3; }
                else { t0 += c0; t1 += c1; t2 += c2; t3 += c3; }
            }
            if (PartStride == 0) Store4x16(c, t0, t1, t2, t3);
        }

        private readonly void Store4x16(float* c, Vector512<float> c0, Vector512<float> c1, Vector512<float> c2, Vector512<float> c3)
        {
            c0.Store(c); c1.Store(c + Ldc); c2.Store(c + 2 * Ldc); c3.Store(c + 3 * Ldc);
        }

        private readonly void Kernel1x16(int m, int n0, Range r)
        {
            var acc = Start(n0);
            float* a0 = A + (long)m * Lda;
            float* bp = B + (long)r.K0 * Ldb + n0;
            for (int kk = r.K0; kk < r.K1; kk++, bp += Ldb)
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(a0[kk]), Vector512.Load(bp), acc);
            Put(C + (long)m * Ldc + n0 + r.Shift, acc, r.Add);
        }

        /// <summary>Applies the epilogue to a finished tile while it is still in cache.</summary>
        private readonly void Finish(int m0, int m1, int n0, int width)
        {
            if (Epilogue == GemmEpilogue.Activate && Activation == Activation.Identity) return;
            for (int m = m0; m < m1; m++)
            {
                float* c = C + (long)m * Ldc + n0;
                int j = 0;
                if (Epilogue == GemmEpilogue.Activate)
                {
                    for (; j + 16 <= width; j += 16) CpuActivation.Apply(Activation, Vector512.Load(c + j)).Store(c + j);
                    for (; j < width; j++) c[j] = ActivationMath.Apply(Activation, c[j]);
                }
                else
                {
                    float* e = E + (long)m * Lde + n0;
                    for (; j + 16 <= width; j += 16) (Vector512.Load(c + j) * CpuActivation.Derivative(Activation, Vector512.Load(e + j))).Store(c + j);
                    for (; j < width; j++) c[j] = c[j] * ActivationMath.Derivative(Activation, e[j]);
                }
            }
        }
    }
}

/// <summary>
/// The activations and their derivatives in 16 lanes, lane-wise identical to the scalar
/// <see cref="ActivationMath"/> (the contracts' definitions).
/// </summary>
public static class CpuActivation
{
    /// <summary>act(a) in 16 lanes, bit-identical to <see cref="ActivationMath.Apply"/> per lane.</summary>
    public static Vector512<float> Apply(Activation activation, Vector512<float> a) => activation switch
    {
        Activation.Tanh => DeterministicMathVector.Tanh(a),
        Activation.Sigmoid => DeterministicMathVector.Sigmoid(a),
        _ => a,
    };

    /// <summary>act′ from the output in 16 lanes, bit-identical to <see cref="ActivationMath.Derivative"/> per lane.</summary>
    public static Vector512<float> Derivative(Activation activation, Vector512<float> y) => activation switch
    {
        Activation.Tanh => Vector512.FusedMultiplyAdd(-y, y, Vector512<float>.One),
        Activation.Sigmoid => y * (Vector512<float>.One - y),
        _ => Vector512<float>.One,
    };
}

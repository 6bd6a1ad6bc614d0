using ILGPU;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// The matrix-product core of the three linear-layer kernels (docs/kernels.md: linear forward, backward
/// data, backward weights), tiled through group-shared memory.
/// </summary>
/// <remarks>
/// <para>
/// A square group of T × T threads (T the launch's <c>Group.DimX</c>, <see cref="DeviceGeometry.GemmThreads"/>,
/// at most <see cref="DeviceGeometry.MaxGemmThreads"/>) computes one square tile of outputs; thread (tx, ty)
/// owns the outputs at tile rows ty + i·T and columns tx + j·T (strided, so neighbouring threads read
/// neighbouring shared memory), i, j below the register block's side, so the tile is T × side wide. The
/// summed dimension is walked in chunks of <see cref="DeviceGeometry.GemmChunk"/> staged in shared memory.
/// </para>
/// <para>
/// Determinism: every output is one FMA chain over the summed index in ascending order from the
/// contract's start value (the epilogue's); the tiling only decides where operands wait, never the
/// order in which an output consumes them, so both tile sizes give the same bits. A partial last chunk
/// runs a shorter loop instead of multiplying padded zeros: fma(0, 0, −0) is +0, so a padded term would
/// change the sign of a −0 sum.
/// </para>
/// <para>
/// A(m, k) is a[m·aM + k·aK] and B(k, n) is b[k·bK + n·bN], so one core serves plain and transposed
/// operands without a transpose kernel.
/// </para>
/// <para>
/// Minibatch parts (docs/kernels.md): when the summed index runs over a minibatch divided into parts, each
/// part is a chain of its own from the start value; at a part's end the thread either adds the part's chains
/// to its running totals (the first part's chains become the totals: t = p₀, then t = t + p₁, …) or hands
/// them to the epilogue to store on their own. A part's rows are staged in chunks of their own (the last one
/// shorter), so a part's end is a chunk's end, the same in every thread, and no barrier is ever in divergent code.
/// </para>
/// </remarks>
public static class GemmTile
{
    /// <summary>Floats of shared memory per staged operand: a chunk of the largest tile.</summary>
    public const int StageLength = DeviceGeometry.GemmChunk * DeviceGeometry.MaxGemmThreads * DeviceGeometry.GemmBlock;

    /// <summary>
    /// Runs the product for this thread's outputs of the group's tile (group (x, y) covers columns
    /// x·tile… and rows y·tile…) and hands each to <paramref name="epilogue"/>. Must be called by every
    /// thread of the group (barriers). <paramref name="aStage"/> and <paramref name="bStage"/> hold
    /// <see cref="StageLength"/> floats of shared memory each. The summed index is one chain.
    /// </summary>
    public static void Run<TBlock, TEpilogue>(ArrayView<float> aStage, ArrayView<float> bStage,
        ArrayView<float> a, int aM, int aK, ArrayView<float> b, int bK, int bN, int rows, int cols, int depth,
        ref TEpilogue epilogue)
        where TBlock : struct, IGemmRegisterBlock
        where TEpilogue : struct, IGemmEpilogue =>
        Run<TBlock, TEpilogue>(aStage, bStage, a, aM, aK, b, bK, bN, rows, cols, BatchParts.Whole(depth), ref epilogue);

    /// <summary>
    /// <see cref="Run{TBlock, TEpilogue}(ArrayView{float}, ArrayView{float}, ArrayView{float}, int, int, ArrayView{float}, int, int, int, int, int, ref TEpilogue)"/>
    /// with the summed index (of length <see cref="BatchParts.Rows"/>) divided into minibatch <paramref name="parts"/>:
    /// with a zero <see cref="BatchParts.Stride"/> the parts' chains are added left to right and the totals go to
    /// <see cref="IGemmEpilogue.Finish"/>; otherwise each part's chains go to <see cref="IGemmEpilogue.FinishPart"/>.
    /// </summary>
    public static void Run<TBlock, TEpilogue>(ArrayView<float> aStage, ArrayView<float> bStage,
        ArrayView<float> a, int aM, int aK, ArrayView<float> b, int bK, int bN, int rows, int cols,
        BatchParts parts, ref TEpilogue epilogue)
        where TBlock : struct, IGemmRegisterBlock
        where TEpilogue : struct, IGemmEpilogue
    {
        const int chunk = DeviceGeometry.GemmChunk;
        int threads = Group.DimX;
        var block = default(TBlock);
        int tile = block.Side * threads;
        int tx = Group.IdxX;
        int ty = Group.IdxY;
        int tid = ty * threads + tx;
        int row0 = Grid.IdxY * tile;
        int col0 = Grid.IdxX * tile;
        bool fold = parts.Stride == 0;

        // Part by part, each part's rows in chunks that end at the part's end: every chunk then runs the
        // plain loop of one chain, and a part's end is always a chunk's end. (Chunks that ran across part
        // ends, stopping inside at each, cost pocl 2.4 times the whole training step: its work-item loops
        // could no longer be vectorized.) Parts are 1 datapoint or more, so no chunk is empty.
        for (int part = 0; part < parts.Length; part++)
        {
            int partEnd = parts.RowStart(part + 1);
            block.Start(ref epilogue, row0 + ty, col0 + tx, threads);
            for (int k0 = parts.RowStart(part); k0 < partEnd; k0 += chunk)
            {
                // The same in every thread, so the loops below have a uniform trip count.
                int kc = partEnd - k0 < chunk ? partEnd - k0 : chunk;

                // Stage the chunk: consecutive threads take consecutive addresses of global memory (along k
                // where that is the contiguous index, else along the tile's rows or columns). Operands outside
                // the matrices are staged as 0 but never consumed by an output that is stored.
                for (int e = tid; e < tile * chunk; e += threads * threads)
                {
                    int mm = aK == 1 ? e / chunk : e % tile;
                    int kk = aK == 1 ? e % chunk : e / tile;
                    int m = row0 + mm;
                    aStage[kk * tile + mm] = m < rows && kk < kc ? a[m * aM + (k0 + kk) * aK] : 0f;
                }
                for (int e = tid; e < tile * chunk; e += threads * threads)
                {
                    int nn = bK == 1 ? e / chunk : e % tile;
                    int kk = bK == 1 ? e % chunk : e / tile;
                    int n = col0 + nn;
                    bStage[kk * tile + nn] = n < cols && kk < kc ? b[(k0 + kk) * bK + n * bN] : 0f;
                }
                Group.Barrier();

                for (int step = 0; step < kc; step++) block.Step(aStage, bStage, step * tile + ty, step * tile + tx);

                // The next chunk may overwrite the stages only after everyone has consumed this one.
                Group.Barrier();
            }
            block.EndPart(ref epilogue, row0 + ty, col0 + tx, part, fold);
        }
        if (fold) block.Finish(ref epilogue, row0 + ty, col0 + tx);
    }
}

/// <summary>
/// What happens at both ends of each output's FMA chain: the start value, and the store of the result
/// (with the kernel's activation or derivative). Coordinates may lie outside the result (threads of a
/// partial tile); the epilogue then returns 0 and stores nothing.
/// </summary>
public interface IGemmEpilogue
{
    /// <summary>The chain's start for output (m, n): the bias, or 0.</summary>
    float Start(int m, int n);

    /// <summary>Stores the finished chain <paramref name="acc"/> of output (m, n) if it lies in the result.</summary>
    void Finish(int m, int n, float acc);

    /// <summary>
    /// Stores the chain of minibatch part <paramref name="part"/> (counted within the call) of output (m, n) on
    /// its own, if it lies in the result (products whose parts are stored apart; see <see cref="BatchParts.Stride"/>).
    /// </summary>
    void FinishPart(int m, int n, int part, float acc);
}

/// <summary>
/// One thread's outputs of a tile, held in registers: side × side of them, spaced by the group's thread
/// count along both axes. ILGPU does not unroll loops, so each block spells out its accumulators one by
/// one (an array would live in slow local memory).
/// </summary>
public interface IGemmRegisterBlock
{
    /// <summary>Outputs per side of the block (4 or 2).</summary>
    int Side { get; }

    /// <summary>
    /// Loads each accumulator with its chain's start; (m0, n0) is the thread's first output and
    /// <paramref name="stride"/> the spacing of its outputs (the group's threads per side).
    /// </summary>
    void Start<TEpilogue>(ref TEpilogue epilogue, int m0, int n0, int stride) where TEpilogue : struct, IGemmEpilogue;

    /// <summary>
    /// One step of the summed index: acc[i][j] = fma(A(i), B(j), acc[i][j]), A(i) at aStage[a + i·stride] and
    /// B(j) at bStage[b + j·stride].
    /// </summary>
    void Step(ArrayView<float> aStage, ArrayView<float> bStage, int a, int b);

    /// <summary>
    /// Ends minibatch part <paramref name="part"/>: with <paramref name="fold"/>, the accumulators become the
    /// totals (part 0) or are added to them (total + accumulator); otherwise each goes to
    /// <see cref="IGemmEpilogue.FinishPart"/>. The next part starts with <see cref="Start{TEpilogue}"/>.
    /// </summary>
    void EndPart<TEpilogue>(ref TEpilogue epilogue, int m0, int n0, int part, bool fold) where TEpilogue : struct, IGemmEpilogue;

    /// <summary>Hands every total to the epilogue.</summary>
    void Finish<TEpilogue>(ref TEpilogue epilogue, int m0, int n0) where TEpilogue : struct, IGemmEpilogue;
}

/// <summary>4 × 4 outputs per thread: the default tiles (64 × 64 with 16 × 16 threads).</summary>
public struct Block4x4 : IGemmRegisterBlock
{
    private int _s;
    private float _c00, _c01, _c02, _c03, _c10, _c11, _c12, _c13, _c20, _c21, _c22, _c23, _c30, _c31, _c32, _c33;
    private float _t00, _t01, _t02, _t03, _t10, _t11, _t12, _t13, _t20, _t21, _t22, _t23, _t30, _t31, _t32, _t33;

    /// <inheritdoc />
    public readonly int Side => DeviceGeometry.GemmBlock;

    /// <inheritdoc />
    public void Start<TEpilogue>(ref TEpilogue e, int m0, int n0, int stride) where TEpilogue : struct, IGemmEpilogue
    {
        int s = stride;
        _s = s;
        _c00 = e.Start(m0, n0); _c01 = e.Start(m0, n0 + s); _c02 = e.Start(m0, n0 + 2 * s); _c03 = e.Start(m0, n0 + 3 * s);
        _c10 = e.Start(m0 + s, n0); _c11 = e.Start(m0 + s, n0 + s); _c12 = e.Start(m0 + s, n0 + 2 * s); _c13 = e.Start(m0 + s, n0 + 3 * s);
        _c20 = e.Start(m0 + 2 * s, n0); _c21 = e.Start(m0 + 2 * s, n0 + s); _c22 = e.Start(m0 + 2 * s, n0 + 2 * s); _c23 = e.Start(m0 + 2 * s, n0 + 3 * s);
        _c30 = e.Start(m0 + 3 * s, n0); _c31 = e.Start(m0 + 3 * s, n0 + s); _c32 = e.Start(m0 + 3 * s, n0 + 2 * s); _c33 = e.Start(m0 + 3 * s, n0 + 3 * s);
    }

    /// <inheritdoc />
    public void Step(ArrayView<float> aStage, ArrayView<float> bStage, int a, int b)
    {
        int s = _s;
        float a0 = aStage[a], a1 = aStage[a + s], a2 = aStage[a + 2 * s], a3 = aStage[a + 3 * s];
        float b0 = bStage[b], b1 = bStage[b + s], b2 = bStage[b + 2 * s], b3 = bStage[b + 3 * s];
        _c00 = MathF.FusedMultiplyAdd(a0, b0, _c00); _c01 = MathF.FusedMultiplyAdd(a0, b1, _c01);
        _c02 = MathF.FusedMultiplyAdd(a0, b2, _c02); _c03 = MathF.FusedMultiplyAdd(a0, b3, _c03);
        _c10 = MathF.FusedMultiplyAdd(a1, b0, _c10); _c11 = MathF.FusedMultiplyAdd(a1, b1, _c11);
        _c12 = MathF.FusedMultiplyAdd(a1, b2, _c12); _c13 = MathF.FusedMultiplyAdd(a1, b3, _c13);
        _c20 = MathF.FusedMultiplyAdd(a2, b0, _c20); _c21 = MathF.FusedMultiplyAdd(a2, b1, _c21);
        _c22 = MathF.FusedMultiplyAdd(a2, b2, _c22); _c23 = MathF.FusedMultiplyAdd(a2, b3, _c23);
        _c30 = MathF.FusedMultiplyAdd(a3, b0, _c30); _c31 = MathF.FusedMultiplyAdd(a3, b1, _c31);
        _c32 = MathF.FusedMultiplyAdd(a3, b2, _c32); _c33 = MathF.FusedMultiplyAdd(a3, b3, _c33);
    }

    /// <inheritdoc />
    public void EndPart<TEpilogue>(ref TEpilogue e, int m0, int n0, int part, bool fold) where TEpilogue : struct, IGemmEpilogue
    {
        int s = _s;
        if (!fold)
        {
            e.FinishPart(m0, n0, part, _c00); e.FinishPart(m0, n0 + s, part, _c01); e.FinishPart(m0, n0 + 2 * s, part, _c02); e.FinishPart(m0, n0 + 3 * s, part, _c03);
            e.FinishPart(m0 + s, n0, part, _c10); e.FinishPart(m0 + s, n0 + s, part, _c11); e.FinishPart(m0 + s, n0 + 2 * s, part, _c12); e.FinishPart(m0 + s, n0 + 3 * s, part, _c13);
            e.FinishPart(m0 + 2 * s, n0, part, _c20); e.FinishPart(m0 + 2 * s, n0 + s, part, _c21); e.FinishPart(m0 + 2 * s, n0 + 2 * s, part, _c22); e.FinishPart(m0 + 2 * s, n0 + 3 * s, part, _c23);
            e.FinishPart(m0 + 3 * s, n0, part, _c30); e.FinishPart(m0 + 3 * s, n0 + s, part, _c31); e.FinishPart(m0 + 3 * s, n0 + 2 * s, part, _c32); e.FinishPart(m0 + 3 * s, n0 + 3 * s, part, _c33);
        }
        else if (part == 0)
        {
            _t00 = _c00; _t01 = _c01; _t02 = _c02; _t03 = _c03; _t10 = _c10; _t11 = _c11; _t12 = _c12; _t13 = _c13;
            _t20 = _c20; _t21 = _c21; _t22 = _c22; _t23 = _c23; _t30 = _c30; _t31 = _c31; _t32 = _c32; _t33 = _c33;
        }
        else
        {
            _t00 = _t00 + _c00; _t01 = _t01 + _c01; _t02 = _t02 + _c02; _t03 = _t03 + _c03;
            _t10 = _t10 + _c10; _t11 = _t11 + _c11; _t12 = _t12 + _c12; _t13 = _t13 + _c13;
            _t20 = _t20 + _c20; _t21 = _t21 + _c21; _t22 = _t22 + _c22; _t23 = _t23 + _c23;
            _t30 = _t30 + _c30; _t31 = _t31 + _c31; _t32 = _t32 + _c32; _t33 = _t33 + _c33;
        }
    }

    /// <inheritdoc />
    public readonly void Finish<TEpilogue>(ref TEpilogue e, int m0, int n0) where TEpilogue : struct, IGemmEpilogue
    {
        int s = _s;
        e.Finish(m0, n0, _t00); e.Finish(m0, n0 + s, _t01); e.Finish(m0, n0 + 2 * s, _t02); e.Finish(m0, n0 + 3 * s, _t03);
        e.Finish(m0 + s, n0, _t10); e.Finish(m0 + s, n0 + s, _t11); e.Finish(m0 + s, n0 + 2 * s, _t12); e.Finish(m0 + s, n0 + 3 * s, _t13);
        e.Finish(m0 + 2 * s, n0, _t20); e.Finish(m0 + 2 * s, n0 + s, _t21); e.Finish(m0 + 2 * s, n0 + 2 * s, _t22); e.Finish(m0 + 2 * s, n0 + 3 * s, _t23);
        e.Finish(m0 + 3 * s, n0, _t30); e.Finish(m0 + 3 * s, n0 + s, _t31); e.Finish(m0 + 3 * s, n0 + 2 * s, _t32); e.Finish(m0 + 3 * s, n0 + 3 * s, _t33);
    }
}

/// <summary>
/// 2 × 2 outputs per thread: the small tiles (32 × 32 with 16 × 16 threads), four times as many groups for the
/// same product, for GPUs that a small minibatch would otherwise leave idle.
/// </summary>
public struct Block2x2 : IGemmRegisterBlock
{
    private int _s;
    private float _c00, _c01, _c10, _c11;
    private float _t00, _t01, _t10, _t11;

    /// <inheritdoc />
    public readonly int Side => DeviceGeometry.GemmSmallBlock;

    /// <inheritdoc />
    public void Start<TEpilogue>(ref TEpilogue e, int m0, int n0, int stride) where TEpilogue : struct, IGemmEpilogue
    {
        int s = stride;
        _s = s;
        _c00 = e.Start(m0, n0); _c01 = e.Start(m0, n0 + s);
        _c10 = e.Start(m0 + s, n0); _c11 = e.Start(m0 + s, n0 + s);
    }

    /// <inheritdoc />
    public void Step(ArrayView<float> aStage, ArrayView<float> bStage, int a, int b)
    {
        int s = _s;
        float a0 = aStage[a], a1 = aStage[a + s];
        float b0 = bStage[b], b1 = bStage[b + s];
        _c00 = MathF.FusedMultiplyAdd(a0, b0, _c00); _c01 = MathF.FusedMultiplyAdd(a0, b1, _c01);
        _c10 = MathF.FusedMultiplyAdd(a1, b0, _c10); _c11 = MathF.FusedMultiplyAdd(a1, b1, _c11);
    }

    /// <inheritdoc />
    public void EndPart<TEpilogue>(ref TEpilogue e, int m0, int n0, int part, bool fold) where TEpilogue : struct, IGemmEpilogue
    {
        int s = _s;
        if (!fold)
        {
            e.FinishPart(m0, n0, part, _c00); e.FinishPart(m0, n0 + s, part, _c01);
            e.FinishPart(m0 + s, n0, part, _c10); e.FinishPart(m0 + s, n0 + s, part, _c11);
        }
        else if (part == 0)
        {
            _t00 = _c00; _t01 = _c01; _t10 = _c10; _t11 = _c11;
        }
        else
        {
            _t00 = _t00 + _c00; _t01 = _t01 + _c01; _t10 = _t10 + _c10; _t11 = _t11 + _c11;
        }
    }

    /// <inheritdoc />
    public readonly void Finish<TEpilogue>(ref TEpilogue e, int m0, int n0) where TEpilogue : struct, IGemmEpilogue
    {
        int s = _s;
        e.Finish(m0, n0, _t00); e.Finish(m0, n0 + s, _t01);
        e.Finish(m0 + s, n0, _t10); e.Finish(m0 + s, n0 + s, _t11);
    }
}

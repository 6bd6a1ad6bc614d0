namespace IlgpuVae.Kernels.Cpu;

/// <summary>
/// The three linear-layer kernels on the CPU (contracts in docs/kernels.md). Each is one call of the
/// shared product engine <see cref="CpuGemm"/>; the backward products first transpose one operand
/// into caller-provided scratch so that the engine can again vectorise across contiguous outputs.
/// </summary>
public static unsafe class CpuLinear
{
    /// <summary>y = act(b + x·w): x rows×inputs, w inputs×outputs, b outputs, y rows×outputs.</summary>
    public static void Forward(CpuWorkerPool pool, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b,
        Span<float> y, int rows, int inputs, int outputs, Activation activation)
    {
        Check(x, (long)rows * inputs, nameof(x)); Check(w, (long)inputs * outputs, nameof(w));
        Check(b, outputs, nameof(b)); Check(y, (long)rows * outputs, nameof(y));
        fixed (float* px = x, pw = w, pb = b, py = y)
            CpuGemm.Run(pool, px, inputs, pw, outputs, py, outputs, rows, outputs, inputs, pb,
                GemmEpilogue.Activate, activation, null, 0);
    }

    /// <summary>
    /// dx = act′(x) ⊙ (dz·wᵀ): dz rows×outputs, w inputs×outputs, x and dx rows×inputs.
    /// <paramref name="scratch"/> holds at least inputs·outputs floats (wᵀ).
    /// </summary>
    public static void BackwardData(CpuWorkerPool pool, ReadOnlySpan<float> dz, ReadOnlySpan<float> w, ReadOnlySpan<float> x,
        Span<float> dx, int rows, int inputs, int outputs, Activation inputActivation, Span<float> scratch)
    {
        Check(dz, (long)rows * outputs, nameof(dz)); Check(w, (long)inputs * outputs, nameof(w));
        Check(x, (long)rows * inputs, nameof(x)); Check(dx, (long)rows * inputs, nameof(dx));
        Check(scratch, (long)inputs * outputs, nameof(scratch));
        fixed (float* pdz = dz, pw = w, px = x, pdx = dx, pt = scratch)
        {
            Transpose(pool, pw, inputs, outputs, pt);
            CpuGemm.Run(pool, pdz, outputs, pt, inputs, pdx, inputs, rows, inputs, outputs, null,
                GemmEpilogue.MultiplyByDerivative, inputActivation, px, inputs);
        }
    }

    /// <summary>
    /// dw = xᵀ·dz and db = column sums of dz (both overwritten): x rows×inputs, dz rows×outputs.
    /// <paramref name="scratch"/> holds at least rows·inputs floats (xᵀ).
    /// </summary>
    public static void BackwardWeights(CpuWorkerPool pool, ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> dw,
        Span<float> db, int rows, int inputs, int outputs, Span<float> scratch) =>
        BackwardWeights(pool, x, dz, dw, db, rows, inputs, outputs, BatchParts.Whole(rows), scratch);

    /// <summary>
    /// dw = xᵀ·dz and db = column sums of dz over the rows of the minibatch <paramref name="parts"/>
    /// (docs/kernels.md, "Minibatch parts"): each part's sums are chains of their own from 0, added left to
    /// right into dw and db, or (a non-zero stride) written one after the other, the stride apart.
    /// x rows×inputs, dz rows×outputs; <paramref name="scratch"/> holds at least rows·inputs floats (xᵀ).
    /// </summary>
    public static void BackwardWeights(CpuWorkerPool pool, ReadOnlySpan<float> x, ReadOnlySpan<float> dz, Span<float> dw,
        Span<float> db, int rows, int inputs, int outputs, BatchParts parts, Span<float> scratch)
    {
        parts.Validate(rows, System.Math.Max((long)inputs * outputs, outputs));
        Check(x, (long)rows * inputs, nameof(x)); Check(dz, (long)rows * outputs, nameof(dz));
        Check(dw, parts.OutputSpan((long)inputs * outputs), nameof(dw)); Check(db, parts.OutputSpan(outputs), nameof(db));
        Check(scratch, (long)rows * inputs, nameof(scratch));
        fixed (float* px = x, pdz = dz, pdw = dw, pt = scratch)
        {
            Transpose(pool, px, rows, inputs, pt);
            CpuGemm.Run(pool, pt, rows, pdz, outputs, pdw, outputs, inputs, outputs, rows, null,
                GemmEpilogue.Activate, Activation.Identity, null, 0, parts);
        }
        // Bias: per part, plain additions over its rows in ascending order, from 0; then the parts in order.
        float[]? rented = parts.Length > 1 && parts.Stride == 0 ? System.Buffers.ArrayPool<float>.Shared.Rent(outputs) : null;
        try
        {
            for (int p = 0; p < parts.Length; p++)
            {
                bool add = parts.Stride == 0 && p > 0;
                var sum = add ? rented.AsSpan(0, outputs) : db.Slice(p * parts.Stride, outputs);
                sum.Clear();
                for (int m = parts.RowStart(p), end = parts.RowStart(p + 1); m < end; m++)
                {
                    var row = dz.Slice(m * outputs, outputs);
                    for (int n = 0; n < outputs; n++) sum[n] = sum[n] + row[n];
                }
                if (add)
                    for (int n = 0; n < outputs; n++) db[n] = db[n] + sum[n];
            }
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
        }
    }

    private static void Transpose(CpuWorkerPool pool, float* source, int rows, int columns, float* destination)
    {
        var job = new TransposeJob { Source = source, Rows = rows, Columns = columns, Destination = destination };
        pool.Run((columns + 31) / 32, ref job);
    }

    private struct TransposeJob : IRangeJob
    {
        public float* Source, Destination;
        public int Rows, Columns;

        public readonly void Run(int start, int end)
        {
            // Blocks of 32 destination rows (source columns), walked in 32×32 tiles for cache reuse.
            for (int block = start; block < end; block++)
            {
                int c0 = block * 32, c1 = System.Math.Min(Columns, c0 + 32);
                for (int r0 = 0; r0 < Rows; r0 += 32)
                {
                    int r1 = System.Math.Min(Rows, r0 + 32);
                    for (int c = c0; c < c1; c++)
                        for (int r = r0; r < r1; r++)
                            Destination[(long)c * Rows + r] = Source[(long)r * Columns + c];
                }
            }
        }
    }

    internal static void Check(ReadOnlySpan<float> span, long needed, string name)
    {
        if (span.Length < needed)
            throw new ArgumentException($"{name} holds {span.Length} floats, the shape needs {needed}", name);
    }
}

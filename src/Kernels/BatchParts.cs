namespace IlgpuVae.Kernels;

/// <summary>
/// The parts of a minibatch that one call of a batch-summing kernel covers, and where their sums go
/// (docs/kernels.md, "Minibatch parts"). A minibatch of <see cref="Batch"/> datapoints is divided into a
/// fixed number of parts, <see cref="Count"/>, that does not depend on how many processes share the work:
/// part g holds datapoints ⌊g·Batch/Count⌋ up to (not including) ⌊(g+1)·Batch/Count⌋. Every sum over the
/// batch is a chain of its own within each part, from 0, and the parts' sums are then added left to right
/// (s = p₀; s = s + p₁; …). A call covers the <see cref="Length"/> consecutive parts from <see cref="First"/>,
/// whose rows, <see cref="RowsPerDatapoint"/> per datapoint (the samples of z), are the rows it is given.
/// </summary>
/// <param name="Batch">Datapoints in the whole minibatch (0 only with one part).</param>
/// <param name="Count">Parts of the whole minibatch, 1 to <paramref name="Batch"/>.</param>
/// <param name="First">The first part this call covers.</param>
/// <param name="Length">How many consecutive parts this call covers, at least 1.</param>
/// <param name="RowsPerDatapoint">Rows of the summed operand per datapoint, at least 1.</param>
/// <param name="Stride">
/// 0: the parts' sums are added left to right into the one output; otherwise the sums of part
/// <see cref="First"/> + j go to the output shifted by j·Stride elements, each on its own.
/// </param>
public readonly record struct BatchParts(int Batch, int Count, int First, int Length, int RowsPerDatapoint, int Stride)
{
    /// <summary>One part holding all <paramref name="rows"/> rows: a single chain, as a sum without parts.</summary>
    public static BatchParts Whole(int rows) => new(rows, 1, 0, 1, 1, 0);

    /// <summary>All <paramref name="count"/> parts of a minibatch of <paramref name="batch"/>, folded into one output.</summary>
    public static BatchParts All(int batch, int count) => new(batch, count, 0, count, 1, 0);

    /// <summary>The same parts, with <paramref name="rowsPerDatapoint"/> rows per datapoint.</summary>
    public BatchParts WithRowsPerDatapoint(int rowsPerDatapoint) => this with { RowsPerDatapoint = rowsPerDatapoint };

    /// <summary>The same parts, each part's sums written <paramref name="stride"/> elements after the previous one's (0: folded).</summary>
    public BatchParts WithStride(int stride) => this with { Stride = stride };

    /// <summary>
    /// The row, counted from this call's first row, where the call's part <paramref name="part"/> begins
    /// (0 ≤ part ≤ <see cref="Length"/>; part = Length gives the rows of the whole call).
    /// </summary>
    public int RowStart(int part) =>
        (int)((long)(First + part) * Batch / Count - (long)First * Batch / Count) * RowsPerDatapoint;

    /// <summary>Rows of the operand this call sums over.</summary>
    public int Rows => RowStart(Length);

    /// <summary>The first datapoint of part <paramref name="part"/> of the whole minibatch (part = Count gives Batch).</summary>
    public int DatapointStart(int part) => (int)((long)part * Batch / Count);

    /// <summary>
    /// Throws <see cref="ArgumentException"/> unless the parts are a valid partition, lie inside it, and
    /// cover exactly <paramref name="rows"/> rows; <paramref name="outputLength"/> is the length of one
    /// output, which a non-zero <see cref="Stride"/> must not be shorter than.
    /// </summary>
    public void Validate(int rows, long outputLength)
    {
        if (Batch < 0 || Count < 1 || (Batch > 0 && Count > Batch) || (Batch == 0 && Count != 1))
            throw new ArgumentException($"a minibatch of {Batch} cannot be divided into {Count} parts", nameof(Count));
        if (First < 0 || Length < 1 || (long)First + Length > Count)
            throw new ArgumentException($"parts {First} to {(long)First + Length - 1} lie outside the {Count} parts", nameof(First));
        if (RowsPerDatapoint < 1) throw new ArgumentException($"{RowsPerDatapoint} rows per datapoint", nameof(RowsPerDatapoint));
        if (Stride < 0 || (Stride > 0 && Stride < outputLength))
            throw new ArgumentException($"a stride of {Stride} between the parts' outputs of {outputLength} elements", nameof(Stride));
        if ((long)Rows != rows)
            throw new ArgumentException($"parts {First} to {First + Length - 1} of a minibatch of {Batch} in {Count} parts hold {Rows} rows, the call has {rows}", nameof(rows));
    }

    /// <summary>Elements an output view must hold: one output, or <see cref="Length"/> of them <see cref="Stride"/> apart.</summary>
    public long OutputSpan(long outputLength) => Stride == 0 ? outputLength : (long)(Length - 1) * Stride + outputLength;
}

namespace IlgpuVae.Kernels;

/// <summary>
/// How the device kernels are launched: the group shapes, which each accelerator chooses and the kernels
/// read from their launch (<c>Group.DimX</c>, <c>Group.DimY</c>), and the fixed sizes the kernels allocate
/// shared memory for. None of them changes a result: they decide which thread computes an output, never
/// the order of its operations (the tests check every kernel on every geometry in use).
/// </summary>
/// <param name="GemmThreads">
/// Threads per side of a square matrix-product group; each thread owns a block of outputs (4 × 4 in the
/// <see cref="GemmBlock"/> tiles, 2 × 2 in the <see cref="GemmSmallBlock"/> ones), so a tile is
/// <c>GemmThreads × 4</c> (or × 2) outputs wide.
/// </param>
/// <param name="RowsPerGroup">Rows a row-reduction group sums at once, one per <see cref="RowLanes"/> lanes.</param>
/// <param name="ElementThreads">Threads per group of the elementwise kernels.</param>
public readonly record struct DeviceGeometry(int GemmThreads, int RowsPerGroup, int ElementThreads)
{
    /// <summary>
    /// GPUs and OpenCL devices: 16 × 16 matrix-product groups (64 × 64 tiles, or 32 × 32), 8 rows of 32 lanes,
    /// 256 elementwise threads. Chosen as the fastest on pocl of the tile widths 16, 32, 64 and chunk lengths
    /// 16, 32, 64 tried (pocl's cost is per work-item and per barrier region, so more outputs per thread win).
    /// </summary>
    public static DeviceGeometry Gpu { get; } = new(16, 8, 256);

    /// <summary>
    /// ILGPU's CPU accelerator, which runs every thread of a group as an OS thread and wakes all of a
    /// multiprocessor's threads at each launch: the smallest groups the kernels allow (4 × 4 matrix threads,
    /// one row of 32 lanes, 32 elementwise threads) on a one-warp multiprocessor. Measured here (2 cores), a
    /// launch cost 28 ms on a 256-thread multiprocessor and 2 ms on a 32-thread one.
    /// </summary>
    public static DeviceGeometry CpuSimulator { get; } = new(4, 1, 32);

    /// <summary>Lanes that sum one row: the 32 of the 32-lane scheme (a contract, not a launch choice).</summary>
    public const int RowLanes = 32;

    /// <summary>Outputs per side of one thread's block in the default matrix-product kernels.</summary>
    public const int GemmBlock = 4;

    /// <summary>Outputs per side of one thread's block in the small-tile variant (the <c>.Tile32</c> kernels on a GPU).</summary>
    public const int GemmSmallBlock = 2;

    /// <summary>Length of the slice of the summed dimension staged in shared memory at a time.</summary>
    public const int GemmChunk = 16;

    /// <summary>The most threads per side of a matrix-product group the kernels allocate shared memory for.</summary>
    public const int MaxGemmThreads = 16;

    /// <summary>The most rows per row-reduction group the kernels allocate shared memory for.</summary>
    public const int MaxRowsPerGroup = 8;

    /// <summary>The largest group of <see cref="Gpu"/>; an OpenCL device must allow at least this many threads per group.</summary>
    public const int MaxGroupThreads = 256;

    /// <summary>Outputs per side of a default matrix-product tile.</summary>
    public int GemmTile => GemmThreads * GemmBlock;

    /// <summary>Outputs per side of a small matrix-product tile.</summary>
    public int GemmSmallTile => GemmThreads * GemmSmallBlock;

    /// <summary>
    /// Whether a matrix product of <paramref name="cols"/> × <paramref name="rows"/> outputs runs on the
    /// small tiles: when the <see cref="GemmTile"/> grid has fewer than two groups per compute unit (so some
    /// units would idle or run a single group without another to hide its memory waits), the four times as
    /// many small-tile groups are launched instead. The choice never changes a result.
    /// </summary>
    public bool UseSmallGemmTile(int cols, int rows, int computeUnits) =>
        (long)((cols + GemmTile - 1) / GemmTile) * ((rows + GemmTile - 1) / GemmTile) < 2L * computeUnits;
}

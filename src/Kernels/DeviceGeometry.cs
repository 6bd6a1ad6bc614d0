namespace IlgpuVae.Kernels;

/// <summary>
/// The launch geometry the device kernels are written for. <see cref="DeviceSources"/> emits these
/// numbers into the program as <c>#define</c>s, and the host launches with the same constants, so the
/// two can never disagree. None of them changes a result: they decide which thread computes an output,
/// never the order of its operations.
/// </summary>
public static class DeviceGeometry
{
    /// <summary>Outputs per side of a matrix-product tile (<c>GEMM_TILE</c>) of the default kernels.</summary>
    public const int GemmTile = 64;

    /// <summary>
    /// Outputs per side of the small-tile variant of the matrix-product kernels (the <c>_tile32</c>
    /// kernels), launched when <see cref="GemmTile"/> tiles would leave compute units idle.
    /// </summary>
    public const int GemmSmallTile = 32;

    /// <summary>Threads per side of a matrix-product group (<c>GEMM_THREADS</c>); each owns (64/16)² = 16 outputs.</summary>
    public const int GemmThreads = 16;

    /// <summary>Length of the slice of the summed dimension staged in local memory at a time (<c>GEMM_CHUNK</c>).</summary>
    public const int GemmChunk = 16;

    /// <summary>Lanes that sum one row (<c>ROW_LANES</c>): the 32 of the 32-lane scheme.</summary>
    public const int RowLanes = 32;

    /// <summary>Rows a row-reduction group handles at once (<c>ROWS_PER_GROUP</c>), one per 32 lanes.</summary>
    public const int RowsPerGroup = 8;

    /// <summary>Threads per group of the elementwise kernels (<c>ELEMENT_THREADS</c>).</summary>
    public const int ElementThreads = 256;

    /// <summary>The largest group any kernel uses; a device must allow at least this many threads per group.</summary>
    public const int MaxGroupThreads = 256;

    /// <summary>
    /// Whether a matrix product of <paramref name="cols"/> × <paramref name="rows"/> outputs runs on
    /// the small tiles: when the <see cref="GemmTile"/> grid has fewer than two groups per compute unit
    /// (so some units would idle or run a single group without another to hide its memory waits), the
    /// four times as many <see cref="GemmSmallTile"/> groups are launched instead. The choice never
    /// changes a result.
    /// </summary>
    public static bool UseSmallGemmTile(int cols, int rows, int computeUnits) =>
        (long)((cols + GemmTile - 1) / GemmTile) * ((rows + GemmTile - 1) / GemmTile) < 2L * computeUnits;

    /// <summary>The <c>#define</c> lines that carry these constants into the device program (the tile size is set per variant by <see cref="DeviceSources"/>).</summary>
    public static string Defines() =>
        "/* Launch geometry, generated from IlgpuVae.Kernels.DeviceGeometry (the host launches with the same numbers). */\n" +
        $"#define GEMM_THREADS {GemmThreads}\n" +
        $"#define GEMM_CHUNK {GemmChunk}\n" +
        $"#define ROW_LANES {RowLanes}\n" +
        $"#define ROWS_PER_GROUP {RowsPerGroup}\n" +
        $"#define ELEMENT_THREADS {ElementThreads}\n";
}

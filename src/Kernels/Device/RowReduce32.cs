using ILGPU;

namespace IlgpuVae.Kernels.Device;

/// <summary>
/// The engine's one row-sum order on a device (docs/kernels.md, "the 32-lane scheme"), steps 2 and 3:
/// lane t has already accumulated its strided partial p[t] = ((0 + v[t]) + v[t+32]) + … in a register;
/// the 32 partials meet in group-shared memory and are folded by the fixed tree s = 16, 8, 4, 2, 1.
/// This is what <c>RowSum32</c> does on the CPU, operation for operation, so the sum has the same bits.
/// </summary>
/// <remarks>
/// The tree uses group barriers rather than warp shuffles: OpenCL has no portable warp, and on a GPU the
/// cost is a handful of barriers per row. Every thread of the group must call these methods (they hold
/// barriers), also threads whose row lies past the end of the data; the loops have the same trip count
/// in every thread.
/// </remarks>
internal static class RowReduce32
{
    /// <summary>
    /// The row's sum from lane <paramref name="lane"/>'s <paramref name="partial"/>; <paramref name="p"/> is
    /// this row's 32 floats of shared memory, free for reuse when the method returns. Returns the sum to all 32 lanes.
    /// </summary>
    public static float Sum(ArrayView<float> p, int lane, float partial)
    {
        p[lane] = partial;
        Group.Barrier();
        for (int s = DeviceGeometry.RowLanes / 2; s >= 1; s >>= 1)
        {
            if (lane < s) p[lane] = p[lane] + p[lane + s];
            Group.Barrier();
        }
        float total = p[0];
        // Nobody may overwrite p[0] (the next row's partials) before every lane has read it.
        Group.Barrier();
        return total;
    }

    /// <summary>
    /// The 32-lane maximum: the same tree with the select p[t] = p[t+s] &gt; p[t] ? p[t+s] : p[t] in place of
    /// the add (never fmax: the contract fixes what NaN and −0 give — a NaN never wins, a tie keeps p[t]).
    /// </summary>
    public static float Max(ArrayView<float> p, int lane, float partial)
    {
        p[lane] = partial;
        Group.Barrier();
        for (int s = DeviceGeometry.RowLanes / 2; s >= 1; s >>= 1)
        {
            if (lane < s)
            {
                float other = p[lane + s];
                float mine = p[lane];
                p[lane] = other > mine ? other : mine;
            }
            Group.Barrier();
        }
        float total = p[0];
        Group.Barrier();
        return total;
    }

    /// <summary>
    /// The row this thread works on in a row-reduction launch: groups of 32 lanes × rows-per-group (the launch's
    /// <c>Group.DimY</c>, at most <see cref="DeviceGeometry.MaxRowsPerGroup"/>), group row y of group g taking row
    /// g·rows-per-group + y.
    /// </summary>
    public static int Row => Grid.IdxX * Group.DimY + Group.IdxY;

    /// <summary>This thread's lane (0 … 31) within its row.</summary>
    public static int Lane => Group.IdxX;

    /// <summary>This group row's 32 floats of shared memory for its partials (allocated for the largest group).</summary>
    public static ArrayView<float> AllocatePartials() =>
        SharedMemory.Allocate<float>(DeviceGeometry.MaxRowsPerGroup * DeviceGeometry.RowLanes)
            .SubView(Group.IdxY * DeviceGeometry.RowLanes, DeviceGeometry.RowLanes);
}

/*
 * rowsum32.h — the engine's one row-sum order on a device (docs/kernels.md, "the 32-lane scheme").
 *
 * A row is summed by 32 lanes of one group: lane t first accumulates its strided partial
 * p[t] = ((0 + v[t]) + v[t+32]) + ... sequentially, in its own register, then the 32 partials meet
 * in local memory and are folded by the fixed tree s = 16, 8, 4, 2, 1 (p[t] = p[t] + p[t+s]).
 * This is exactly what RowSum32 does on the CPU, so the sum has the same bits everywhere.
 *
 * The tree uses group barriers rather than warp shuffles: OpenCL has no portable warp, and on a
 * GPU the cost is a handful of barriers per row.
 */
#ifndef ILGPUVAE_ROWSUM32_H
#define ILGPUVAE_ROWSUM32_H

#if ROW_LANES != 32
#error "the 32-lane scheme needs ROW_LANES == 32"
#endif

/*
 * Steps 2 and 3 of the scheme: `partial` is lane `lane`'s strided partial, `p` this row's 32 floats
 * of local memory. Every thread of the group must call it (it contains barriers), also threads
 * whose row lies past the end of the data. Returns the row's sum to all 32 lanes; p may be reused
 * as soon as it returns.
 */
DEVICE_FN float rowsum32_tree(LOCAL_PTR float* p, int lane, float partial)
{
    p[lane] = partial;
    BARRIER();
    for (int s = 16; s >= 1; s >>= 1)
    {
        if (lane < s)
        {
            p[lane] = p[lane] + p[lane + s];
        }
        BARRIER();
    }

    float total = p[0];
    /* Nobody may overwrite p[0] (the next row's partials) before every lane has read it. */
    BARRIER();
    return total;
}

#endif /* ILGPUVAE_ROWSUM32_H */

/*
 * linear_tiled.c — the three matrix-product kernels of the linear layer (docs/kernels.md: linear
 * forward, backward data, backward weights) on one tiled core, for one tile size.
 *
 * DeviceSources puts this file into the program twice, each time after defining GEMM_TILE and with
 * every name written GEMM_NAME(...) replaced by the variant's name: 64 x 64 tiles as linear_forward, ..., and 32 x 32
 * tiles as linear_forward_tile32, ... (`ilgpuvae kernels-source` prints the result). A 64 x 64 tile
 * reuses each staged operand more, but a small minibatch gives few of them (batch 100 through a
 * 784 x 500 layer is 16 groups), which leaves most compute units of a large GPU idle; the host picks
 * the 32 x 32 variant when the 64 x 64 grid would not fill the device (DeviceKernels). Both variants
 * give the same bits: the tile decides which thread computes an output, never the order of its FMAs.
 *
 * Each group computes a GEMM_TILE x GEMM_TILE tile of outputs with GEMM_THREADS x GEMM_THREADS
 * threads; thread (tx, ty) owns the GEMM_PER_THREAD^2 outputs at rows ty + i*GEMM_THREADS and columns
 * tx + j*GEMM_THREADS of the tile (strided, so that neighbouring threads read neighbouring local
 * memory). The summed dimension is walked in chunks of GEMM_CHUNK through local memory.
 *
 * Determinism: every output is one FMA chain over the summed index in ascending order from the
 * contract's start value; the tiling only decides where operands wait, never the order in which an
 * output consumes them. A partial last chunk runs a shorter loop instead of padding with zeros:
 * fma(0, 0, -0) is +0, so padded terms would change the sign of a -0 sum.
 */
#if GEMM_TILE % GEMM_THREADS != 0
#error "GEMM_TILE must be a multiple of GEMM_THREADS"
#endif
/* Expanded where used, so each variant sees its own GEMM_TILE. */
#define GEMM_PER_THREAD (GEMM_TILE / GEMM_THREADS)
#define GEMM_GROUP_THREADS (GEMM_THREADS * GEMM_THREADS)

/* One step of the summed index: acc[i][j] = fma(A(m_i, kk), B(kk, n_j), acc[i][j]) from the staged chunk. */
DEVICE_FN void GEMM_NAME(gemm_step)(LOCAL_PTR const float* as, LOCAL_PTR const float* bs, int kk, int tx, int ty,
    float acc[GEMM_PER_THREAD][GEMM_PER_THREAD])
{
    float av[GEMM_PER_THREAD];
    float bv[GEMM_PER_THREAD];
    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        av[i] = as[kk * GEMM_TILE + ty + i * GEMM_THREADS];
    }

    for (int j = 0; j < GEMM_PER_THREAD; j++)
    {
        bv[j] = bs[kk * GEMM_TILE + tx + j * GEMM_THREADS];
    }

    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            acc[i][j] = FMA(av[i], bv[j], acc[i][j]);
        }
    }
}

/*
 * The product core: acc[i][j] = fma chain over k = 0..depth-1 of A(m, k)*B(k, n), starting from the
 * values already in acc, for this thread's outputs (m, n) of the group's tile. A(m, k) is
 * a[m*a_m + k*a_k] and B(k, n) is b[k*b_k + n*b_n], so one core serves plain and transposed
 * operands. `as` and `bs` are GEMM_CHUNK*GEMM_TILE floats of local memory each, stored chunk-row
 * major (as[kk*GEMM_TILE + mm]). Operands outside the matrices are loaded as 0 but never consumed by
 * an output that is stored. Must be called by every thread of the group (barriers).
 */
DEVICE_FN void GEMM_NAME(gemm_core)(GLOBAL const float* a, int a_m, int a_k, GLOBAL const float* b, int b_k, int b_n,
    int rows, int cols, int depth, LOCAL_PTR float* as, LOCAL_PTR float* bs,
    float acc[GEMM_PER_THREAD][GEMM_PER_THREAD])
{
    int tx = LOCAL_ID_X;
    int ty = LOCAL_ID_Y;
    int tid = ty * GEMM_THREADS + tx;
    int row0 = GROUP_ID_Y * GEMM_TILE;
    int col0 = GROUP_ID_X * GEMM_TILE;

    for (int k0 = 0; k0 < depth; k0 += GEMM_CHUNK)
    {
        /* The same for all threads, so the loop below has a uniform trip count. */
        int kc = depth - k0 < GEMM_CHUNK ? depth - k0 : GEMM_CHUNK;

        /* Stage the chunk. Consecutive threads take consecutive addresses of global memory
           (along k when that is the contiguous index, else along the tile's rows/columns). */
        for (int e = tid; e < GEMM_TILE * GEMM_CHUNK; e += GEMM_GROUP_THREADS)
        {
            int mm = a_k == 1 ? e / GEMM_CHUNK : e % GEMM_TILE;
            int kk = a_k == 1 ? e % GEMM_CHUNK : e / GEMM_TILE;
            int m = row0 + mm;
            as[kk * GEMM_TILE + mm] = (m < rows && kk < kc) ? a[m * a_m + (k0 + kk) * a_k] : 0.0f;
        }

        for (int e = tid; e < GEMM_TILE * GEMM_CHUNK; e += GEMM_GROUP_THREADS)
        {
            int nn = b_k == 1 ? e / GEMM_CHUNK : e % GEMM_TILE;
            int kk = b_k == 1 ? e % GEMM_CHUNK : e / GEMM_TILE;
            int n = col0 + nn;
            bs[kk * GEMM_TILE + nn] = (n < cols && kk < kc) ? b[(k0 + kk) * b_k + n * b_n] : 0.0f;
        }

        BARRIER();

        if (kc == GEMM_CHUNK)
        {
            /* Full chunk: a constant trip count, unrolled into straight-line code. */
#pragma unroll
            for (int kk = 0; kk < GEMM_CHUNK; kk++)
            {
                GEMM_NAME(gemm_step)(as, bs, kk, tx, ty, acc);
            }
        }
        else
        {
            for (int kk = 0; kk < kc; kk++)
            {
                GEMM_NAME(gemm_step)(as, bs, kk, tx, ty, acc);
            }
        }

        /* The next chunk may overwrite as/bs only after everyone has consumed this one. */
        BARRIER();
    }
}

/*
 * y[m,n] = act(acc), acc = fma chain over k ascending from b[n] of x[m,k]*w[k,n].
 * x rows x inputs, w inputs x outputs, b outputs, y rows x outputs.
 * Grid: (ceil(outputs / GEMM_TILE), ceil(rows / GEMM_TILE)) groups of GEMM_THREADS x GEMM_THREADS.
 */
KERNEL void GEMM_NAME(linear_forward)(GLOBAL const float* x, int x_off, GLOBAL const float* w, int w_off,
    GLOBAL const float* b, int b_off, GLOBAL float* y, int y_off,
    int rows, int inputs, int outputs, int activation)
{
    LOCAL float as[GEMM_CHUNK * GEMM_TILE];
    LOCAL float bs[GEMM_CHUNK * GEMM_TILE];
    x += x_off;
    w += w_off;
    b += b_off;
    y += y_off;

    int row0 = GROUP_ID_Y * GEMM_TILE + LOCAL_ID_Y;
    int col0 = GROUP_ID_X * GEMM_TILE + LOCAL_ID_X;
    float acc[GEMM_PER_THREAD][GEMM_PER_THREAD];
    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            int n = col0 + j * GEMM_THREADS;
            acc[i][j] = n < outputs ? b[n] : 0.0f;
        }
    }

    GEMM_NAME(gemm_core)(x, inputs, 1, w, outputs, 1, rows, outputs, inputs, as, bs, acc);

    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        int m = row0 + i * GEMM_THREADS;
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            int n = col0 + j * GEMM_THREADS;
            if (m < rows && n < outputs)
            {
                y[m * outputs + n] = linear_activate(activation, acc[i][j]);
            }
        }
    }
}

/*
 * dx[m,k] = acc * act'(x[m,k]), acc = fma chain over n ascending from 0 of dz[m,n]*w[k,n], with
 * act' from the stored activation output x: tanh fma(-x, x, 1), sigmoid x*(1 - x), identity none.
 * dz rows x outputs, w inputs x outputs, x and dx rows x inputs.
 * Grid: (ceil(inputs / GEMM_TILE), ceil(rows / GEMM_TILE)) groups of GEMM_THREADS x GEMM_THREADS.
 */
KERNEL void GEMM_NAME(linear_backward_data)(GLOBAL const float* dz, int dz_off, GLOBAL const float* w, int w_off,
    GLOBAL const float* x, int x_off, GLOBAL float* dx, int dx_off,
    int rows, int inputs, int outputs, int activation)
{
    LOCAL float as[GEMM_CHUNK * GEMM_TILE];
    LOCAL float bs[GEMM_CHUNK * GEMM_TILE];
    dz += dz_off;
    w += w_off;
    x += x_off;
    dx += dx_off;

    float acc[GEMM_PER_THREAD][GEMM_PER_THREAD];
    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            acc[i][j] = 0.0f;
        }
    }

    /* A(m, n) = dz[m*outputs + n]; B(n, k) = w[k*outputs + n] (w read transposed). */
    GEMM_NAME(gemm_core)(dz, outputs, 1, w, 1, outputs, rows, inputs, outputs, as, bs, acc);

    int row0 = GROUP_ID_Y * GEMM_TILE + LOCAL_ID_Y;
    int col0 = GROUP_ID_X * GEMM_TILE + LOCAL_ID_X;
    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        int m = row0 + i * GEMM_THREADS;
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            int k = col0 + j * GEMM_THREADS;
            if (m < rows && k < inputs)
            {
                int at = m * inputs + k;
                float v = acc[i][j];
                if (activation == 1)
                {
                    float xv = x[at];
                    float d = FMA(-xv, xv, 1.0f);
                    v = v * d;
                }
                else if (activation == 2)
                {
                    float xv = x[at];
                    float d = xv * (1.0f - xv);
                    v = v * d;
                }

                dx[at] = v;
            }
        }
    }
}

/*
 * dw[k,n] = fma chain over m ascending from 0 of x[m,k]*dz[m,n] (overwritten).
 * x rows x inputs, dz rows x outputs, dw inputs x outputs. The bias gradient is linear_backward_bias.
 * Grid: (ceil(outputs / GEMM_TILE), ceil(inputs / GEMM_TILE)) groups of GEMM_THREADS x GEMM_THREADS.
 */
KERNEL void GEMM_NAME(linear_backward_weights)(GLOBAL const float* x, int x_off, GLOBAL const float* dz, int dz_off,
    GLOBAL float* dw, int dw_off, int rows, int inputs, int outputs)
{
    LOCAL float as[GEMM_CHUNK * GEMM_TILE];
    LOCAL float bs[GEMM_CHUNK * GEMM_TILE];
    x += x_off;
    dz += dz_off;
    dw += dw_off;

    float acc[GEMM_PER_THREAD][GEMM_PER_THREAD];
    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            acc[i][j] = 0.0f;
        }
    }

    /* A(k, m) = x[m*inputs + k] (x read transposed); B(m, n) = dz[m*outputs + n]. */
    GEMM_NAME(gemm_core)(x, 1, inputs, dz, outputs, 1, inputs, outputs, rows, as, bs, acc);

    int row0 = GROUP_ID_Y * GEMM_TILE + LOCAL_ID_Y;
    int col0 = GROUP_ID_X * GEMM_TILE + LOCAL_ID_X;
    for (int i = 0; i < GEMM_PER_THREAD; i++)
    {
        int k = row0 + i * GEMM_THREADS;
        for (int j = 0; j < GEMM_PER_THREAD; j++)
        {
            int n = col0 + j * GEMM_THREADS;
            if (k < inputs && n < outputs)
            {
                dw[k * outputs + n] = acc[i][j];
            }
        }
    }
}


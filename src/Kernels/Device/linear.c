/*
 * linear.c — the parts of the linear-layer kernels (docs/kernels.md: linear forward, backward data,
 * backward weights and bias) that do not depend on the matrix-product tile: the forward activation
 * and the bias gradient. The three matrix-product kernels are in linear_tiled.c, which the program
 * holds twice, once per tile size (see there).
 */

/* The activation of the forward kernel (Activation enum: 0 identity, 1 tanh, 2 sigmoid). */
DEVICE_FN float linear_activate(int activation, float a)
{
    if (activation == 1)
    {
        return det_tanh(a);
    }

    if (activation == 2)
    {
        return det_sigmoid(a);
    }

    return a;
}

/*
 * db[n] = ((0 + dz[0,n]) + dz[1,n]) + ... over the rows in ascending order (overwritten).
 * One thread per column: the column sums are few and short, and splitting them would change the order.
 * Grid: ceil(outputs / ELEMENT_THREADS) groups of ELEMENT_THREADS.
 */
KERNEL void linear_backward_bias(GLOBAL const float* dz, int dz_off, GLOBAL float* db, int db_off,
    int rows, int outputs)
{
    dz += dz_off;
    db += db_off;
    int n = GLOBAL_ID_X;
    if (n >= outputs)
    {
        return;
    }

    float acc = 0.0f;
    for (int m = 0; m < rows; m++)
    {
        acc = acc + dz[m * outputs + n];
    }

    db[n] = acc;
}

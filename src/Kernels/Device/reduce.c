/*
 * reduce.c — per-datapoint ELBO and the batch sum (docs/kernels.md: ELBO rows and batch sums).
 */

/*
 * elbo[i] = acc / S - kl[i], acc = ((0 + ll[i*S]) + ll[i*S + 1]) + ... over l ascending.
 * One thread per datapoint. Grid: ceil(rows / ELEMENT_THREADS) groups of ELEMENT_THREADS.
 */
KERNEL void elbo_rows(GLOBAL const float* ll, int ll_off, GLOBAL const float* kl, int kl_off,
    GLOBAL float* elbo, int elbo_off, int rows, int samples)
{
    ll += ll_off;
    kl += kl_off;
    elbo += elbo_off;
    int i = GLOBAL_ID_X;
    if (i >= rows)
    {
        return;
    }

    float acc = 0.0f;
    for (int l = 0; l < samples; l++)
    {
        acc = acc + ll[i * samples + l];
    }

    elbo[i] = acc / (float)samples - kl[i];
}

/*
 * result[0] = rowsum32(values[0 .. count)): one group of ROW_LANES threads, lane t summing
 * values t, t + 32, ... before the fixed tree.
 * Grid: 1 group of ROW_LANES x 1.
 */
KERNEL void sum_rows(GLOBAL const float* values, int values_off, GLOBAL float* result, int result_off, int count)
{
    LOCAL float partials[ROW_LANES];
    values += values_off;
    result += result_off;
    int lane = LOCAL_ID_X;
    float partial = 0.0f;
    for (int j = lane; j < count; j += ROW_LANES)
    {
        partial = partial + values[j];
    }

    float sum = rowsum32_tree(partials, lane, partial);
    if (lane == 0)
    {
        result[0] = sum;
    }
}

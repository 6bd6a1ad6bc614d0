/*
 * importance.c — the importance-sampling estimate of log p(x) (docs/kernels.md: importance
 * log-weights, log-mean-exp). Both kernels give each row to the 32 lanes of one group row, like the
 * likelihoods: every lane folds its strided elements in a register, and a fixed tree in local memory
 * finishes the row.
 */

/*
 * Steps 2 and 3 of the 32-lane maximum: the partial maxima meet in local memory and are folded by the
 * tree s = 16, 8, 4, 2, 1 with p[t] = p[t+s] > p[t] ? p[t+s] : p[t] (a select, never fmax: the contract
 * fixes what NaN and -0 give). Every thread of the group must call it (barriers). Returns the row's
 * maximum to all 32 lanes.
 */
DEVICE_FN float rowmax32_tree(LOCAL_PTR float* p, int lane, float partial)
{
    p[lane] = partial;
    BARRIER();
    for (int s = 16; s >= 1; s >>= 1)
    {
        if (lane < s)
        {
            float other = p[lane + s];
            float mine = p[lane];
            p[lane] = other > mine ? other : mine;
        }
        BARRIER();
    }

    float total = p[0];
    /* p is reused by the next tree as soon as this returns; p[0] must have been read by all. */
    BARRIER();
    return total;
}

/*
 * Log-weights of the importance samples, one sample row r = i*S + l per 32 lanes:
 * t = fma(z, z, -lv); t = fma(-eps, eps, t); t = 0.5*t (log q(z|x) - log p(z) per unit);
 * w[r] = ll[r] - rowsum32(t).
 * Grid: ceil(rows*S / ROWS_PER_GROUP) groups of ROW_LANES x ROWS_PER_GROUP.
 */
KERNEL void importance_log_weights(GLOBAL const float* e, int e_off, GLOBAL const float* eps, int eps_off,
    GLOBAL const float* z, int z_off, GLOBAL const float* ll, int ll_off, GLOBAL float* w, int w_off,
    int sample_rows, int latent, int samples)
{
    LOCAL float partials[ROWS_PER_GROUP * ROW_LANES];
    e += e_off;
    eps += eps_off;
    z += z_off;
    ll += ll_off;
    w += w_off;
    int lane = LOCAL_ID_X;
    int r = GROUP_ID_X * ROWS_PER_GROUP + LOCAL_ID_Y;
    bool valid = r < sample_rows;

    float partial = 0.0f;
    if (valid)
    {
        GLOBAL const float* lv = e + (r / samples) * 2 * latent + latent;
        for (int j = lane; j < latent; j += ROW_LANES)
        {
            float zz = z[r * latent + j];
            float ee = eps[r * latent + j];
            float t = FMA(zz, zz, -lv[j]);
            t = FMA(-ee, ee, t);
            t = 0.5f * t;
            partial = partial + t;
        }
    }

    float k = rowsum32_tree(partials + LOCAL_ID_Y * ROW_LANES, lane, partial);
    if (valid && lane == 0)
    {
        w[r] = ll[r] - k;
    }
}

/*
 * Log-mean-exp of each row of `count` values, one row per 32 lanes:
 * m = the 32-lane maximum (partials start at -inf; v > p ? v : p); c = m if m is finite, else 0;
 * s = rowsum32(exp(v - c)); t = log(s); t = c + t; result = t - log((float)count).
 * Grid: ceil(rows / ROWS_PER_GROUP) groups of ROW_LANES x ROWS_PER_GROUP.
 */
KERNEL void log_mean_exp(GLOBAL const float* v, int v_off, GLOBAL float* result, int result_off, int rows, int count)
{
    LOCAL float partials[ROWS_PER_GROUP * ROW_LANES];
    v += v_off;
    result += result_off;
    int lane = LOCAL_ID_X;
    int i = GROUP_ID_X * ROWS_PER_GROUP + LOCAL_ID_Y;
    bool valid = i < rows;
    LOCAL_PTR float* p = partials + LOCAL_ID_Y * ROW_LANES;
    /* Rows past the end get no pointer arithmetic at all (i*count could leave the int range). */
    GLOBAL const float* row = v + (valid ? i * count : 0);
    float inf = AS_FLOAT(DET_POS_INF_BITS);

    float high = -inf;
    if (valid)
    {
        for (int k = lane; k < count; k += ROW_LANES)
        {
            float x = row[k];
            high = x > high ? x : high;
        }
    }

    float m = rowmax32_tree(p, lane, high);
    /* An infinite maximum cannot be subtracted (inf - inf is NaN): shift by 0, which gives the limits. */
    float c = (m > -inf && m < inf) ? m : 0.0f;
    float partial = 0.0f;
    if (valid)
    {
        for (int k = lane; k < count; k += ROW_LANES)
        {
            partial = partial + det_exp(row[k] - c);
        }
    }

    float s = rowsum32_tree(p, lane, partial);
    if (valid && lane == 0)
    {
        float t = det_log(s);
        t = c + t;
        result[i] = t - det_log((float)count);
    }
}

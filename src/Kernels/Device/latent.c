/*
 * latent.c — the latent-layer kernels (docs/kernels.md: sample latent, Gaussian KL, latent
 * backward). The encoder output row i holds mu in columns [0, L) and log sigma^2 in [L, 2L); the
 * sample rows r = i*S + l of epsilon and z are L wide.
 */

/*
 * Reparameterized sampling, one thread per element (r, j) of z:
 * eps = Philox normal at counter ((first_row + r)*L + j, stream, position lo, position hi) under key
 * (k0, k1); h = 0.5*lv; s = exp(h); z = fma(s, eps, mu). The element counter wraps modulo 2^32 as
 * unsigned arithmetic, as on the CPU.
 * Grid: ceil(rows*S*L / ELEMENT_THREADS) groups of ELEMENT_THREADS.
 */
KERNEL void sample_latent(GLOBAL const float* e, int e_off, GLOBAL float* eps, int eps_off,
    GLOBAL float* z, int z_off, int rows, int latent, int samples, int first_row,
    uint stream, uint pos_lo, uint pos_hi, uint k0, uint k1)
{
    e += e_off;
    eps += eps_off;
    z += z_off;
    int index = GLOBAL_ID_X;
    if (index >= rows * samples * latent)
    {
        return;
    }

    int r = index / latent;
    int j = index - r * latent;
    int i = r / samples;
    uint element = (uint)(first_row + r) * (uint)latent + (uint)j;
    float n = philox_normal(element, stream, pos_lo, pos_hi, k0, k1);
    float mu = e[i * 2 * latent + j];
    float lv = e[i * 2 * latent + latent + j];
    float h = 0.5f * lv;
    float s = det_exp(h);
    eps[index] = n;
    z[index] = FMA(s, n, mu);
}

/*
 * KL per datapoint, 32 lanes per datapoint (ROWS_PER_GROUP datapoints per group).
 * Analytic (estimator 1): t = 1 + lv; t = fma(-mu, mu, t); t = t - exp(lv); kl = -0.5*rowsum32(t).
 * Monte Carlo (estimator 0): for each sample row r = i*S + l in ascending l,
 * t = fma(z, z, -lv); t = fma(-eps, eps, t); t = 0.5*t; acc = acc + rowsum32(t); kl = acc / S.
 * Grid: ceil(rows / ROWS_PER_GROUP) groups of ROW_LANES x ROWS_PER_GROUP.
 */
KERNEL void gaussian_kl(GLOBAL const float* e, int e_off, GLOBAL const float* eps, int eps_off,
    GLOBAL const float* z, int z_off, GLOBAL float* kl, int kl_off,
    int rows, int latent, int samples, int estimator)
{
    LOCAL float partials[ROWS_PER_GROUP * ROW_LANES];
    e += e_off;
    eps += eps_off;
    z += z_off;
    kl += kl_off;
    int lane = LOCAL_ID_X;
    int i = GROUP_ID_X * ROWS_PER_GROUP + LOCAL_ID_Y;
    LOCAL_PTR float* p = partials + LOCAL_ID_Y * ROW_LANES;
    /* Threads past the last datapoint still take part in the barriers, with no terms. */
    bool valid = i < rows;

    /* One pass (one row sum) for the analytic form, one per sample for Monte Carlo. The barriers in
       rowsum32_tree sit in a loop with a uniform trip count and under no branch: some OpenCL
       compilers (pocl 3.1) mishandle per-thread values around a barrier inside an if/else. */
    int passes = estimator == 1 ? 1 : samples;
    float acc = 0.0f;
    float last = 0.0f;
    for (int l = 0; l < passes; l++)
    {
        float partial = 0.0f;
        if (valid)
        {
            int r = i * samples + l;
            for (int j = lane; j < latent; j += ROW_LANES)
            {
                float lv = e[i * 2 * latent + latent + j];
                float t;
                if (estimator == 1)
                {
                    float mu = e[i * 2 * latent + j];
                    t = 1.0f + lv;
                    t = FMA(-mu, mu, t);
                    t = t - det_exp(lv);
                }
                else
                {
                    float zz = z[r * latent + j];
                    float ee = eps[r * latent + j];
                    t = FMA(zz, zz, -lv);
                    t = FMA(-ee, ee, t);
                    t = 0.5f * t;
                }

                partial = partial + t;
            }
        }

        last = rowsum32_tree(p, lane, partial);
        acc = acc + last;
    }

    if (valid && lane == 0)
    {
        /* Analytic: the single row sum itself (not 0 + sum, which would turn a -0 into +0). */
        kl[i] = estimator == 1 ? -0.5f * last : acc / (float)samples;
    }
}

/*
 * Gradient at the encoder output, one thread per (datapoint i, unit j). With c = klScale / S
 * (Monte Carlo, estimator 0) or 0 (analytic, estimator 1), over l ascending:
 * d = fma(c, z, dz); g = g + d; h = fma(d, eps, h); then half_lv = 0.5*lv; hs = 0.5*exp(half_lv);
 * rec = h*hs; analytic: dmu = fma(klScale, mu, g), t = exp(lv) - 1, t = 0.5*t,
 * dlv = fma(klScale, t, rec); Monte Carlo: dmu = g, dlv = fma(-0.5, klScale, rec).
 * Grid: ceil(rows*L / ELEMENT_THREADS) groups of ELEMENT_THREADS.
 */
KERNEL void latent_backward(GLOBAL const float* e, int e_off, GLOBAL const float* eps, int eps_off,
    GLOBAL const float* z, int z_off, GLOBAL const float* dz, int dz_off, GLOBAL float* de, int de_off,
    int rows, int latent, int samples, float kl_scale, int estimator)
{
    e += e_off;
    eps += eps_off;
    z += z_off;
    dz += dz_off;
    de += de_off;
    int index = GLOBAL_ID_X;
    if (index >= rows * latent)
    {
        return;
    }

    int i = index / latent;
    int j = index - i * latent;
    float c = estimator == 0 ? kl_scale / (float)samples : 0.0f;
    float g = 0.0f;
    float h = 0.0f;
    for (int l = 0; l < samples; l++)
    {
        int at = (i * samples + l) * latent + j;
        float d = FMA(c, z[at], dz[at]);
        g = g + d;
        h = FMA(d, eps[at], h);
    }

    float mu = e[i * 2 * latent + j];
    float lv = e[i * 2 * latent + latent + j];
    float half_lv = 0.5f * lv;
    float hs = 0.5f * det_exp(half_lv);
    float rec = h * hs;
    if (estimator == 1)
    {
        de[i * 2 * latent + j] = FMA(kl_scale, mu, g);
        float t = det_exp(lv) - 1.0f;
        t = 0.5f * t;
        de[i * 2 * latent + latent + j] = FMA(kl_scale, t, rec);
    }
    else
    {
        de[i * 2 * latent + j] = g;
        de[i * 2 * latent + latent + j] = FMA(-0.5f, kl_scale, rec);
    }
}

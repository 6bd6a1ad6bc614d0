/*
 * likelihood.c — the decoder log-likelihoods and their gradients (docs/kernels.md: Bernoulli and
 * Gaussian log-likelihood), one pass over each decoder row: each of a row's 32 lanes computes its
 * strided terms, writes their gradients and keeps its partial sum; rowsum32_tree finishes the row.
 * Decoder row r belongs to datapoint r / S, whose input row is x[(r / S)*P ...].
 */

/* The float nearest to log(2 pi), the same bits as CpuLikelihood.Log2Pi (0x3FEB3F8E). */
#define LIKELIHOOD_LOG_2PI 0x1.d67f1cp+0f

/*
 * Bernoulli with logits l, terms over j < P:
 * a = |l|; e = exp(-a); d = 1 + e; sp = (l > 0 ? l : 0) + log1p(e); term = fma(x, l, -sp);
 * sig = l >= 0 ? 1/d : e/d; dl = grad_scale*(sig - x); ll[r] = rowsum32(term).
 * Grid: ceil(rows*S / ROWS_PER_GROUP) groups of ROW_LANES x ROWS_PER_GROUP.
 */
KERNEL void bernoulli_loglik(GLOBAL const float* logits, int logits_off, GLOBAL const float* x, int x_off,
    GLOBAL float* ll, int ll_off, GLOBAL float* dl, int dl_off,
    int sample_rows, int pixels, int samples, float grad_scale)
{
    LOCAL float partials[ROWS_PER_GROUP * ROW_LANES];
    logits += logits_off;
    x += x_off;
    ll += ll_off;
    dl += dl_off;
    int lane = LOCAL_ID_X;
    int r = GROUP_ID_X * ROWS_PER_GROUP + LOCAL_ID_Y;
    bool valid = r < sample_rows;

    float partial = 0.0f;
    if (valid)
    {
        GLOBAL const float* xr = x + (r / samples) * pixels;
        GLOBAL const float* lr = logits + r * pixels;
        GLOBAL float* dr = dl + r * pixels;
        for (int j = lane; j < pixels; j += ROW_LANES)
        {
            float l = lr[j];
            float xv = xr[j];
            float a = AS_FLOAT(AS_INT(l) & 0x7fffffff);
            float e = det_exp(-a);
            float d = 1.0f + e;
            /* A select, not fmax: the contract fixes what NaN and -0 give (0 and +0). */
            float sp = (l > 0.0f ? l : 0.0f) + det_log1p(e);
            float sig = l >= 0.0f ? 1.0f / d : e / d;
            dr[j] = grad_scale * (sig - xv);
            partial = partial + FMA(xv, l, -sp);
        }
    }

    float sum = rowsum32_tree(partials + LOCAL_ID_Y * ROW_LANES, lane, partial);
    if (valid && lane == 0)
    {
        ll[r] = sum;
    }
}

/*
 * Gaussian: output row r holds the mean pre-activation a in [0, P) and the raw log-variance v in
 * [P, 2P). lv = v >= min_lv ? v : min_lv; mean = sigmoid(a); diff = x - mean; iv = exp(-lv); q = diff*diff;
 * q = q*iv; term = (LOG_2PI + lv) + q; term = -0.5*term; ll[r] = rowsum32(term);
 * gm = (-diff)*iv; dsig = mean*(1 - mean); dA = grad_scale*(gm*dsig);
 * dV = grad_scale*(v >= min_lv ? 0.5*(1 - q) : 0).
 * Grid: ceil(rows*S / ROWS_PER_GROUP) groups of ROW_LANES x ROWS_PER_GROUP.
 */
KERNEL void gaussian_loglik(GLOBAL const float* output, int output_off, GLOBAL const float* x, int x_off,
    GLOBAL float* ll, int ll_off, GLOBAL float* dout, int dout_off,
    int sample_rows, int pixels, int samples, float grad_scale, float min_lv)
{
    LOCAL float partials[ROWS_PER_GROUP * ROW_LANES];
    output += output_off;
    x += x_off;
    ll += ll_off;
    dout += dout_off;
    int lane = LOCAL_ID_X;
    int r = GROUP_ID_X * ROWS_PER_GROUP + LOCAL_ID_Y;
    bool valid = r < sample_rows;

    float partial = 0.0f;
    if (valid)
    {
        GLOBAL const float* xr = x + (r / samples) * pixels;
        GLOBAL const float* orow = output + r * 2 * pixels;
        GLOBAL float* drow = dout + r * 2 * pixels;
        for (int j = lane; j < pixels; j += ROW_LANES)
        {
            float a = orow[j];
            float v = orow[pixels + j];
            float xv = xr[j];
            float lv = v >= min_lv ? v : min_lv;
            float mean = det_sigmoid(a);
            float diff = xv - mean;
            float iv = det_exp(-lv);
            float q = diff * diff;
            q = q * iv;
            float term = (LIKELIHOOD_LOG_2PI + lv) + q;
            term = -0.5f * term;
            float gm = -diff * iv;
            float dsig = mean * (1.0f - mean);
            float da = gm * dsig;
            drow[j] = grad_scale * da;
            float dv = v >= min_lv ? 0.5f * (1.0f - q) : 0.0f;
            drow[pixels + j] = grad_scale * dv;
            partial = partial + term;
        }
    }

    float sum = rowsum32_tree(partials + LOCAL_ID_Y * ROW_LANES, lane, partial);
    if (valid && lane == 0)
    {
        ll[r] = sum;
    }
}

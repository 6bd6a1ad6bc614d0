/*
 * gather.c — minibatch gather from the data set held as bytes (docs/kernels.md: minibatch gather),
 * one thread per element (r, p) of x:
 * b = data[indices[first + r]*P + p]; Binarization 0 (none): x = (float)b / 255;
 * 2 (threshold): x = b >= 128 ? 1 : 0; 1 (dynamic): e = r*P + p,
 * w = word (e & 3) of Philox(counter = (e >> 2, stream, position)), x = uniform(w) < (float)b/255 ? 1 : 0.
 * An index outside [0, images) is a caller bug; the kernel then reads nothing and writes 0.
 * Grid: ceil(rows*P / ELEMENT_THREADS) groups of ELEMENT_THREADS.
 */
KERNEL void gather_batch(GLOBAL const uchar* data, int data_off, GLOBAL const int* indices, int indices_off,
    GLOBAL float* x, int x_off, int images, int first, int rows, int pixels, int binarization,
    uint stream, uint pos_lo, uint pos_hi, uint k0, uint k1)
{
    data += data_off;
    indices += indices_off;
    x += x_off;
    int e = GLOBAL_ID_X;
    if (e >= rows * pixels)
    {
        return;
    }

    int r = e / pixels;
    int p = e - r * pixels;
    int image = indices[first + r];
    if (image < 0 || image >= images)
    {
        x[e] = 0.0f;
        return;
    }

    uchar b = data[image * pixels + p];
    float v;
    if (binarization == 2)
    {
        v = b >= 128 ? 1.0f : 0.0f;
    }
    else if (binarization == 1)
    {
        /* One Philox call serves four consecutive elements; element e takes word e & 3. */
        uint element = (uint)e;
        philox_uint4 w = philox4x32_10(element >> 2, stream, pos_lo, pos_hi, k0, k1);
        uint word = (element & 3u) == 0u ? w.x0 : (element & 3u) == 1u ? w.x1 : (element & 3u) == 2u ? w.x2 : w.x3;
        v = philox_uniform(word) < (float)b / 255.0f ? 1.0f : 0.0f;
    }
    else
    {
        v = (float)b / 255.0f;
    }

    x[e] = v;
}

/*
 * optimizer.c — one optimizer update of every parameter (docs/kernels.md: optimizer updates),
 * one thread per parameter. The scalars are computed once on the host in float (OptimizerScalars),
 * so every accelerator receives the same bits; the kernel only applies them in the contract's order.
 * Rules (OptimizerKind): 0 Adagrad, 1 RMSProp, 2 Adam, 3 SGD with momentum. state1 is read and
 * written by Adam only (the host passes state0 again for the others).
 * Grid: ceil(count / ELEMENT_THREADS) groups of ELEMENT_THREADS.
 */
KERNEL void optimizer_update(GLOBAL float* theta, int theta_off, GLOBAL const float* grad, int grad_off,
    GLOBAL float* state0, int state0_off, GLOBAL float* state1, int state1_off, int count, int kind,
    float lr, float weight_decay, float epsilon, float beta1, float one_minus_beta1, float beta2,
    float one_minus_beta2, float step_size, float second_moment_scale)
{
    theta += theta_off;
    grad += grad_off;
    state0 += state0_off;
    state1 += state1_off;
    int i = GLOBAL_ID_X;
    if (i >= count)
    {
        return;
    }

    float t = theta[i];
    float g = FMA(weight_decay, t, grad[i]);
    if (kind == 0)
    {
        float h = FMA(g, g, state0[i]);
        state0[i] = h;
        float den = SQRT(h) + epsilon;
        float u = lr * g;
        u = u / den;
        theta[i] = t - u;
    }
    else if (kind == 1)
    {
        float a = one_minus_beta1 * g;
        a = a * g;
        float h = FMA(beta1, state0[i], a);
        state0[i] = h;
        float den = SQRT(h) + epsilon;
        float u = lr * g;
        u = u / den;
        theta[i] = t - u;
    }
    else if (kind == 2)
    {
        float m = FMA(beta1, state0[i], one_minus_beta1 * g);
        float a = one_minus_beta2 * g;
        a = a * g;
        float v = FMA(beta2, state1[i], a);
        state0[i] = m;
        state1[i] = v;
        float vh = v * second_moment_scale;
        float den = SQRT(vh) + epsilon;
        float u = step_size * m;
        u = u / den;
        theta[i] = t - u;
    }
    else
    {
        float v = FMA(beta1, state0[i], g);
        state0[i] = v;
        float u = lr * v;
        theta[i] = t - u;
    }
}

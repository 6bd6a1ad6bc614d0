using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Accelerators;

/// <summary>
/// Every kernel of the engine, behind one interface that each accelerator implements. All matrices
/// are row-major and dense. The exact formulas and summation orders (the determinism contract) are
/// written in docs/kernels.md; every implementation must produce the same bits. Calls are queued in
/// order on the accelerator; results are visible to later calls and to <see cref="DeviceBuffer{T}.Download"/>.
/// </summary>
internal interface IKernels
{
    /// <summary>
    /// Fused linear layer: y[m,n] = act(b[n] + Σ_k x[m,k]·w[k,n]), the sum an FMA chain over k
    /// ascending that starts from b[n]. Shapes: x rows×inputs, w inputs×outputs, b outputs, y rows×outputs.
    /// </summary>
    void LinearForward(BufferView<float> x, BufferView<float> w, BufferView<float> b, BufferView<float> y,
        int rows, int inputs, int outputs, Activation activation);

    /// <summary>
    /// Gradient with respect to the layer's input, with the derivative of the activation that produced
    /// that input fused in: dx[m,k] = act′(x[m,k]) · Σ_n dz[m,n]·w[k,n] (FMA chain over n ascending from 0;
    /// act′ from the stored activation output x). Shapes: dz rows×outputs, w inputs×outputs, x and dx rows×inputs.
    /// </summary>
    void LinearBackwardData(BufferView<float> dz, BufferView<float> w, BufferView<float> x, BufferView<float> dx,
        int rows, int inputs, int outputs, Activation inputActivation);

    /// <summary>
    /// Gradients of the weights and bias: dw[k,n] = Σ_m x[m,k]·dz[m,n] (FMA chain over m ascending from 0),
    /// db[n] = Σ_m dz[m,n] (additions over m ascending from 0). Overwrites dw and db. The sums of one part
    /// (<see cref="BatchParts.Whole"/>).
    /// </summary>
    void LinearBackwardWeights(BufferView<float> x, BufferView<float> dz, BufferView<float> dw, BufferView<float> db,
        int rows, int inputs, int outputs) => LinearBackwardWeights(x, dz, dw, db, rows, inputs, outputs, BatchParts.Whole(rows));

    /// <summary>
    /// Gradients of the weights and bias over minibatch parts (docs/kernels.md, "Minibatch parts"): within each
    /// part dw[k,n] is the FMA chain over its rows m ascending from 0 of x[m,k]·dz[m,n] and db[n] the additions
    /// of dz[m,n] from 0; the parts' results are added left to right into dw and db, or with a non-zero
    /// <see cref="BatchParts.Stride"/> part j's go to dw and db shifted by j·stride. The rows are the parts' rows.
    /// </summary>
    void LinearBackwardWeights(BufferView<float> x, BufferView<float> dz, BufferView<float> dw, BufferView<float> db,
        int rows, int inputs, int outputs, BatchParts parts);

    /// <summary>
    /// Reparameterized sampling. The encoder output e (rows×2·latent) holds μ in columns [0, latent) and
    /// log σ² in [latent, 2·latent). For each datapoint i, sample l and unit j (row r = i·samples + l):
    /// ε[r,j] = Philox normal at counter ((firstRow + r)·latent + j, stream, position), z[r,j] = μ + exp(½·log σ²)·ε.
    /// </summary>
    void SampleLatent(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z,
        int rows, int latent, int samples, int firstRow, RandomKey key);

    /// <summary>
    /// KL(q(z|x) ‖ p(z)) per datapoint into kl (rows values): the analytic form
    /// −½ Σ_j (1 + log σ² − μ² − σ²) or, for <see cref="KlEstimator.MonteCarlo"/>, the mean over samples of
    /// Σ_j ½(z² − log σ² − ε²) (= log q(z|x) − log p(z)). Row sums use the 32-lane scheme of docs/kernels.md.
    /// </summary>
    void GaussianKl(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> kl,
        int rows, int latent, int samples, KlEstimator estimator);

    /// <summary>
    /// Gradient with respect to the encoder output (μ and log σ²) from the decoder's gradient at z
    /// (dz, (rows·samples)×latent) through the reparameterization, plus klScale times the gradient of the KL.
    /// </summary>
    void LatentBackward(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> dz,
        BufferView<float> dEncoderOut, int rows, int latent, int samples, float klScale, KlEstimator estimator);

    /// <summary>
    /// Bernoulli decoder: per decoder row r (datapoint r / samples) ll[r] = Σ_j x·l − softplus(l)
    /// (32-lane row sum) and dLogits[r,j] = gradScale·(sigmoid(l) − x), the gradient of −gradScale·ll.
    /// </summary>
    void BernoulliLogLikelihood(BufferView<float> logits, BufferView<float> x, BufferView<float> ll, BufferView<float> dLogits,
        int rows, int pixels, int samples, float gradScale);

    /// <summary>
    /// Gaussian decoder: output row r holds the mean pre-activation a in [0, pixels) (mean = sigmoid(a)) and
    /// log σ² in [pixels, 2·pixels), the latter floored at minLogVariance. ll[r] = Σ_j −½(log 2π + log σ² + (x − mean)²/σ²);
    /// dOutput = gradScale × the gradient of −ll with respect to a and log σ² (zero where the floor is active).
    /// </summary>
    void GaussianLogLikelihood(BufferView<float> output, BufferView<float> x, BufferView<float> ll, BufferView<float> dOutput,
        int rows, int pixels, int samples, float gradScale, float minLogVariance);

    /// <summary>Per-datapoint ELBO: elbo[i] = (Σ_l ll[i·samples + l]) / samples − kl[i] (sum over l ascending from 0).</summary>
    void ElboRows(BufferView<float> ll, BufferView<float> kl, BufferView<float> elbo, int rows, int samples);

    /// <summary>Deterministic reduction: result[0] = the 32-lane sum of values[0..count) (docs/kernels.md).</summary>
    void SumRows(BufferView<float> values, BufferView<float> result, int count) => SumRows(values, result, count, BatchParts.Whole(count));

    /// <summary>
    /// The batch sum over minibatch parts (docs/kernels.md, "Minibatch parts"): the 32-lane sum of each part's
    /// values, the parts added left to right into result[0], or with a non-zero <see cref="BatchParts.Stride"/>
    /// part j's sum into result[j·stride]. count is the parts' rows.
    /// </summary>
    void SumRows(BufferView<float> values, BufferView<float> result, int count, BatchParts parts);

    /// <summary>
    /// One optimizer update of every parameter: g ← fma(λ, θ, g), then the rule's state and parameter
    /// updates in the operation order of docs/kernels.md. state1 is used by Adam only (pass state0 otherwise).
    /// </summary>
    void OptimizerUpdate(BufferView<float> parameters, BufferView<float> gradients, BufferView<float> state0,
        BufferView<float> state1, int count, in OptimizerScalars scalars);

    /// <summary>
    /// Minibatch gather: x[r,p] = f(data[indices[first + r]·pixels + p]) for r &lt; rows, with f the
    /// <see cref="Binarization"/> (grey levels b/255, a threshold, or a Philox draw at counter (r·pixels + p, stream, position)).
    /// </summary>
    void GatherBatch(BufferView<byte> data, BufferView<int> indices, BufferView<float> x,
        int first, int rows, int pixels, Binarization binarization, RandomKey key);

    /// <summary>
    /// Importance log-weights: for each sample row r = i·samples + l, w[r] = ll[r] + log p(z) − log q(z|x)
    /// = ll[r] − Σ_j ½(z² − log σ² − ε²) (32-lane row sum; the log 2π terms cancel). Shapes: encoderOut
    /// rows×2·latent, ε and z (rows·samples)×latent, ll and w rows·samples.
    /// </summary>
    void ImportanceLogWeights(BufferView<float> encoderOut, BufferView<float> epsilon, BufferView<float> z, BufferView<float> ll,
        BufferView<float> logWeights, int rows, int latent, int samples);

    /// <summary>
    /// Stable log-mean-exp of each row: result[i] = log((1/count)·Σ_k exp(v[i·count + k])), computed as the
    /// 32-lane maximum m, then (m + log Σ_k exp(v − m)) − log count with the 32-lane row sum (docs/kernels.md).
    /// Shapes: values rows×count (count ≥ 1), result rows.
    /// </summary>
    void LogMeanExp(BufferView<float> values, BufferView<float> result, int rows, int count);
}

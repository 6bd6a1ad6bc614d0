using IlgpuVae.Kernels;
using IlgpuVae.Kernels.Math;

namespace IlgpuVae.Tests.Kernels;

/// <summary>
/// Plain double-precision references of every kernel's formula (docs/kernels.md): the mathematical
/// value, computed in double from the kernel's float inputs, with no attempt to follow the float
/// operation order (that is what <see cref="ExactOrderTests"/> checks). Most functions also return
/// a "magnitude" array: the same formula evaluated with absolute values (Σ|terms| of each sum), which
/// is what a float rounding-error bound scales with.
/// </summary>
internal static class ReferenceKernels
{
    /// <summary>log(2π) in double.</summary>
    public const double Log2Pi = 1.8378770664093454835606594728112;

    /// <summary>act(a) in double.</summary>
    public static double Activate(Activation activation, double a) => activation switch
    {
        Activation.Tanh => Math.Tanh(a),
        Activation.Sigmoid => Sigmoid(a),
        _ => a,
    };

    /// <summary>act′ written through the activation's output y: tanh 1 − y², sigmoid y(1 − y), identity 1.</summary>
    public static double DerivativeFromOutput(Activation activation, double y) => activation switch
    {
        Activation.Tanh => 1.0 - y * y,
        Activation.Sigmoid => y * (1.0 - y),
        _ => 1.0,
    };

    /// <summary>The logistic function, stable for large |a|.</summary>
    public static double Sigmoid(double a) => a >= 0 ? 1.0 / (1.0 + Math.Exp(-a)) : Math.Exp(a) / (1.0 + Math.Exp(a));

    /// <summary>softplus(l) = log(1 + eˡ), stable form.</summary>
    public static double Softplus(double l) => Math.Max(l, 0.0) + Math.Log(1.0 + Math.Exp(-Math.Abs(l)));

    // ------------------------------------------------------------------------------------------
    // Linear layers
    // ------------------------------------------------------------------------------------------

    /// <summary>
    /// y[m,n] = act(b[n] + Σ_k x[m,k]·w[k,n]). Returns y, the pre-activation and Σ = |b[n]| + Σ_k |x·w|.
    /// </summary>
    public static (double[] Y, double[] Pre, double[] Magnitude) LinearForward(float[] x, float[] w, float[] b,
        int rows, int inputs, int outputs, Activation activation)
    {
        var y = new double[rows * outputs];
        var pre = new double[rows * outputs];
        var mag = new double[rows * outputs];
        for (int m = 0; m < rows; m++)
            for (int n = 0; n < outputs; n++)
            {
                double acc = b[n], abs = Math.Abs((double)b[n]);
                for (int k = 0; k < inputs; k++)
                {
                    double t = (double)x[m * inputs + k] * w[k * outputs + n];
                    acc += t;
                    abs += Math.Abs(t);
                }
                pre[m * outputs + n] = acc;
                mag[m * outputs + n] = abs;
                y[m * outputs + n] = Activate(activation, acc);
            }
        return (y, pre, mag);
    }

    /// <summary>
    /// dx[m,k] = act′(x[m,k]) · Σ_n dz[m,n]·w[k,n], act′ from the stored activation output x.
    /// Returns dx, the sum before the derivative, Σ_n |dz·w| and act′.
    /// </summary>
    public static (double[] Dx, double[] Sum, double[] Magnitude, double[] Derivative) LinearBackwardData(float[] dz, float[] w, float[] x,
        int rows, int inputs, int outputs, Activation inputActivation)
    {
        var dx = new double[rows * inputs];
        var sum = new double[rows * inputs];
        var mag = new double[rows * inputs];
        var der = new double[rows * inputs];
        for (int m = 0; m < rows; m++)
            for (int k = 0; k < inputs; k++)
            {
                double acc = 0, abs = 0;
                for (int n = 0; n < outputs; n++)
                {
                    double t = (double)dz[m * outputs + n] * w[k * outputs + n];
                    acc += t;
                    abs += Math.Abs(t);
                }
                double d = DerivativeFromOutput(inputActivation, x[m * inputs + k]);
                sum[m * inputs + k] = acc;
                mag[m * inputs + k] = abs;
                der[m * inputs + k] = d;
                dx[m * inputs + k] = acc * d;
            }
        return (dx, sum, mag, der);
    }

    /// <summary>dw[k,n] = Σ_m x[m,k]·dz[m,n], db[n] = Σ_m dz[m,n], with their magnitudes Σ|·|.</summary>
    public static (double[] Dw, double[] DwMagnitude, double[] Db, double[] DbMagnitude) LinearBackwardWeights(float[] x, float[] dz,
        int rows, int inputs, int outputs)
    {
        var dw = new double[inputs * outputs];
        var dwMag = new double[inputs * outputs];
        var db = new double[outputs];
        var dbMag = new double[outputs];
        for (int k = 0; k < inputs; k++)
            for (int n = 0; n < outputs; n++)
            {
                double acc = 0, abs = 0;
                for (int m = 0; m < rows; m++)
                {
                    double t = (double)x[m * inputs + k] * dz[m * outputs + n];
                    acc += t;
                    abs += Math.Abs(t);
                }
                dw[k * outputs + n] = acc;
                dwMag[k * outputs + n] = abs;
            }
        for (int n = 0; n < outputs; n++)
            for (int m = 0; m < rows; m++)
            {
                db[n] += dz[m * outputs + n];
                dbMag[n] += Math.Abs((double)dz[m * outputs + n]);
            }
        return (dw, dwMag, db, dbMag);
    }

    // ------------------------------------------------------------------------------------------
    // Latent layer
    // ------------------------------------------------------------------------------------------

    /// <summary>
    /// The standard normal of one Philox counter in double: Box–Muller r·cos(2π u2) with
    /// r = √(−2 ln u1), u1 and u2 the exact uniforms of the first two Philox words.
    /// </summary>
    public static double StandardNormal(uint element, RandomKey key)
    {
        var (x0, x1, _, _) = Philox4x32.Generate(element, key.Stream, key.C2, key.C3, key.K0, key.K1);
        double u1 = Uniform(x0), u2 = Uniform(x1);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>The uniform of a Philox word as the code defines it, ((x >> 9) + ½)·2⁻²³, in double.</summary>
    public static double Uniform(uint x) => ((x >> 9) + 0.5) * Math.Pow(2, -23);

    /// <summary>z[r,j] = μ[i,j] + exp(½ log σ²[i,j])·ε[r,j], r = i·S + l. Also returns |μ| + σ|ε|.</summary>
    public static (double[] Z, double[] Magnitude) SampleZ(float[] encoderOut, float[] epsilon, int rows, int latent, int samples)
    {
        var z = new double[rows * samples * latent];
        var mag = new double[z.Length];
        for (int i = 0; i < rows; i++)
            for (int l = 0; l < samples; l++)
                for (int j = 0; j < latent; j++)
                {
                    int r = i * samples + l;
                    double mu = encoderOut[i * 2 * latent + j], lv = encoderOut[i * 2 * latent + latent + j];
                    double s = Math.Exp(0.5 * lv), eps = epsilon[r * latent + j];
                    z[r * latent + j] = mu + s * eps;
                    mag[r * latent + j] = Math.Abs(mu) + s * Math.Abs(eps);
                }
        return (z, mag);
    }

    /// <summary>Analytic KL(N(μ, σ²) ‖ N(0, I)) = −½ Σ_j (1 + log σ² − μ² − σ²); magnitude Σ_j (1 + |log σ²| + μ² + σ²).</summary>
    public static (double[] Kl, double[] Magnitude) KlAnalytic(float[] encoderOut, int rows, int latent)
    {
        var kl = new double[rows];
        var mag = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double acc = 0, abs = 0;
            for (int j = 0; j < latent; j++)
            {
                double mu = encoderOut[i * 2 * latent + j], lv = encoderOut[i * 2 * latent + latent + j];
                acc += 1 + lv - mu * mu - Math.Exp(lv);
                abs += 1 + Math.Abs(lv) + mu * mu + Math.Exp(lv);
            }
            kl[i] = -0.5 * acc;
            mag[i] = 0.5 * abs;
        }
        return (kl, mag);
    }

    /// <summary>
    /// Monte Carlo KL: the mean over the S samples of log q(z|x) − log p(z) = Σ_j ½(z² − log σ² − ε²)
    /// (the log 2π terms cancel and (z − μ)²/σ² = ε²); magnitude: the same with absolute values.
    /// </summary>
    public static (double[] Kl, double[] Magnitude) KlMonteCarlo(float[] encoderOut, float[] epsilon, float[] z,
        int rows, int latent, int samples)
    {
        var kl = new double[rows];
        var mag = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double acc = 0, abs = 0;
            for (int l = 0; l < samples; l++)
                for (int j = 0; j < latent; j++)
                {
                    int r = i * samples + l;
                    double zz = z[r * latent + j], eps = epsilon[r * latent + j], lv = encoderOut[i * 2 * latent + latent + j];
                    acc += 0.5 * (zz * zz - lv - eps * eps);
                    abs += 0.5 * (zz * zz + Math.Abs(lv) + eps * eps);
                }
            kl[i] = acc / samples;
            mag[i] = abs / samples;
        }
        return (kl, mag);
    }

    /// <summary>
    /// Gradient at the encoder output (μ, log σ²) of Σ_{r} dz[r]·z[r] + klScale·KL, derived from the math:
    /// ∂z/∂μ = 1, ∂z/∂log σ² = ½σε; analytic ∂KL/∂μ = μ, ∂KL/∂log σ² = ½(σ² − 1); Monte Carlo
    /// ∂KL/∂μ = (1/S) Σ_l z, ∂KL/∂log σ² = (1/S) Σ_l ½σεz − ½. Returns dE and its magnitude (absolute values throughout).
    /// </summary>
    public static (double[] DE, double[] Magnitude) LatentBackward(float[] encoderOut, float[] epsilon, float[] z, float[] dz,
        int rows, int latent, int samples, double klScale, KlEstimator estimator)
    {
        var de = new double[rows * 2 * latent];
        var mag = new double[de.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < latent; j++)
            {
                double mu = encoderOut[i * 2 * latent + j], lv = encoderOut[i * 2 * latent + latent + j];
                double sigma = Math.Exp(0.5 * lv);
                double dMu = 0, dLv = 0, dMuAbs = 0, dLvAbs = 0;
                for (int l = 0; l < samples; l++)
                {
                    int idx = (i * samples + l) * latent + j;
                    double eps = epsilon[idx], g = dz[idx];
                    dMu += g;
                    dLv += g * 0.5 * sigma * eps;
                    dMuAbs += Math.Abs(g);
                    dLvAbs += Math.Abs(g * 0.5 * sigma * eps);
                    if (estimator == KlEstimator.MonteCarlo)
                    {
                        double zz = z[idx];
                        dMu += klScale / samples * zz;
                        dLv += klScale / samples * 0.5 * sigma * eps * zz;
                        dMuAbs += Math.Abs(klScale / samples * zz);
                        dLvAbs += Math.Abs(klScale / samples * 0.5 * sigma * eps * zz);
                    }
                }
                if (estimator == KlEstimator.Analytic)
                {
                    dMu += klScale * mu;
                    dLv += klScale * 0.5 * (Math.Exp(lv) - 1);
                    dMuAbs += Math.Abs(klScale * mu);
                    dLvAbs += Math.Abs(klScale) * 0.5 * (Math.Exp(lv) + 1);
                }
                else
                {
                    dLv -= 0.5 * klScale;
                    dLvAbs += 0.5 * Math.Abs(klScale);
                }
                de[i * 2 * latent + j] = dMu;
                de[i * 2 * latent + latent + j] = dLv;
                mag[i * 2 * latent + j] = dMuAbs;
                mag[i * 2 * latent + latent + j] = dLvAbs;
            }
        return (de, mag);
    }

    // ------------------------------------------------------------------------------------------
    // Likelihoods
    // ------------------------------------------------------------------------------------------

    /// <summary>
    /// Bernoulli log-likelihood per decoder row, ll[r] = Σ_j x·l − softplus(l) (x of datapoint r / S),
    /// and the gradient gradScale·(σ(l) − x) of −gradScale·ll. Also the magnitude Σ_j |x·l| + softplus(l).
    /// </summary>
    public static (double[] Ll, double[] Magnitude, double[] Grad) Bernoulli(float[] logits, float[] x, int sampleRows, int pixels,
        int samples, double gradScale)
    {
        var ll = new double[sampleRows];
        var mag = new double[sampleRows];
        var grad = new double[sampleRows * pixels];
        for (int r = 0; r < sampleRows; r++)
        {
            double acc = 0, abs = 0;
            for (int j = 0; j < pixels; j++)
            {
                double l = logits[r * pixels + j], xv = x[r / samples * pixels + j];
                double sp = Softplus(l);
                acc += xv * l - sp;
                abs += Math.Abs(xv * l) + sp;
                grad[r * pixels + j] = gradScale * (Sigmoid(l) - xv);
            }
            ll[r] = acc;
            mag[r] = abs;
        }
        return (ll, mag, grad);
    }

    /// <summary>
    /// Gaussian log-likelihood per decoder row: mean = σ(a), log σ² = max(v, floor),
    /// ll[r] = Σ_j −½(log 2π + log σ² + (x − mean)²/σ²); the gradients of −gradScale·ll with respect to a
    /// (through the sigmoid) and to v (zero where the floor is active). Also the magnitude of ll.
    /// Gradient layout: row r holds ∂/∂a in [0, P) and ∂/∂v in [P, 2P).
    /// </summary>
    public static (double[] Ll, double[] Magnitude, double[] Grad) Gaussian(float[] output, float[] x, int sampleRows, int pixels,
        int samples, double gradScale, double minLogVariance)
    {
        var ll = new double[sampleRows];
        var mag = new double[sampleRows];
        var grad = new double[sampleRows * 2 * pixels];
        for (int r = 0; r < sampleRows; r++)
        {
            double acc = 0, abs = 0;
            for (int j = 0; j < pixels; j++)
            {
                double a = output[r * 2 * pixels + j], v = output[r * 2 * pixels + pixels + j];
                double xv = x[r / samples * pixels + j];
                double lv = Math.Max(v, minLogVariance);
                double mean = Sigmoid(a), diff = xv - mean, iv = Math.Exp(-lv);
                double q = diff * diff * iv;
                acc += -0.5 * (Log2Pi + lv + q);
                abs += 0.5 * (Log2Pi + Math.Abs(lv) + q);
                grad[r * 2 * pixels + j] = gradScale * (-diff * iv * mean * (1 - mean));
                grad[r * 2 * pixels + pixels + j] = v >= minLogVariance ? gradScale * 0.5 * (1 - q) : 0.0;
            }
            ll[r] = acc;
            mag[r] = abs;
        }
        return (ll, mag, grad);
    }

    // ------------------------------------------------------------------------------------------
    // ELBO and sums
    // ------------------------------------------------------------------------------------------

    /// <summary>elbo[i] = (1/S) Σ_l ll[i·S + l] − kl[i]; magnitude (1/S) Σ|ll| + |kl|.</summary>
    public static (double[] Elbo, double[] Magnitude) ElboRows(float[] ll, float[] kl, int rows, int samples)
    {
        var elbo = new double[rows];
        var mag = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double acc = 0, abs = 0;
            for (int l = 0; l < samples; l++) { acc += ll[i * samples + l]; abs += Math.Abs((double)ll[i * samples + l]); }
            elbo[i] = acc / samples - kl[i];
            mag[i] = abs / samples + Math.Abs((double)kl[i]);
        }
        return (elbo, mag);
    }

    /// <summary>Σ values and Σ |values|.</summary>
    public static (double Sum, double Magnitude) Sum(ReadOnlySpan<float> values)
    {
        double s = 0, a = 0;
        foreach (float v in values) { s += v; a += Math.Abs((double)v); }
        return (s, a);
    }

    // ------------------------------------------------------------------------------------------
    // Optimizers
    // ------------------------------------------------------------------------------------------

    /// <summary>
    /// One update of one parameter in double, the textbook rules with the weight-decay gradient
    /// g + λθ. The scalars are the float values the kernel receives, widened; Adam takes its bias
    /// corrections α = lr/(1 − β₁ᵗ) and c₂ = 1/(1 − β₂ᵗ) from them (see <see cref="AdamStepSize"/>).
    /// Returns the new θ and state, and the magnitude of the step θ − θ′ (its formula with absolute
    /// values, so that a cancellation inside a momentum sum does not hide the scale of the rounding errors).
    /// </summary>
    public static (double Theta, double State0, double State1, double StepMagnitude) OptimizerUpdate(double theta, double gradient,
        double state0, double state1, in OptimizerScalars s)
    {
        double g = gradient + (double)s.WeightDecay * theta;
        double eps = s.Epsilon;
        switch (s.Kind)
        {
            case OptimizerKind.Adagrad:
            {
                double h = state0 + g * g;
                double step = s.LearningRate * g / (Math.Sqrt(h) + eps);
                return (theta - step, h, state1, Math.Abs(step));
            }
            case OptimizerKind.RmsProp:
            {
                double rho = s.Beta1;
                double h = rho * state0 + (1 - rho) * g * g;
                double step = s.LearningRate * g / (Math.Sqrt(h) + eps);
                return (theta - step, h, state1, Math.Abs(step));
            }
            case OptimizerKind.Adam:
            {
                double b1 = s.Beta1, b2 = s.Beta2;
                double m = b1 * state0 + (1 - b1) * g;
                double v = b2 * state1 + (1 - b2) * g * g;
                double den = Math.Sqrt(v * s.SecondMomentScale) + eps;
                double step = (double)s.StepSize * m / den;
                double stepMag = (double)s.StepSize * (Math.Abs(b1 * state0) + Math.Abs((1 - b1) * g)) / den;
                return (theta - step, m, v, stepMag);
            }
            default:
            {
                double v = (double)s.Beta1 * state0 + g;
                double step = s.LearningRate * v;
                double stepMag = s.LearningRate * (Math.Abs((double)s.Beta1 * state0) + Math.Abs(g));
                return (theta - step, v, state1, stepMag);
            }
        }
    }

    /// <summary>Adam's bias-corrected step size lr / (1 − β₁ᵗ) in double (β₁ the float value, widened).</summary>
    public static double AdamStepSize(double lr, double beta1, int t) => lr / (1 - Math.Pow(beta1, t));

    /// <summary>Adam's second-moment scale 1 / (1 − β₂ᵗ) in double.</summary>
    public static double AdamSecondMomentScale(double beta2, int t) => 1 / (1 - Math.Pow(beta2, t));

    // ------------------------------------------------------------------------------------------
    // Gather
    // ------------------------------------------------------------------------------------------

    /// <summary>
    /// Minibatch gather for the deterministic binarizations: x[r,p] = b/255 (none) or [b ≥ 128] (threshold),
    /// b = data[indices[first + r]·P + p]. For <see cref="Binarization.Dynamic"/> it returns the probability
    /// b/255 of a one (the expected value of x).
    /// </summary>
    public static double[] Gather(byte[] data, int[] indices, int first, int rows, int pixels, Binarization binarization)
    {
        var x = new double[rows * pixels];
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < pixels; p++)
            {
                byte b = data[indices[first + r] * pixels + p];
                x[r * pixels + p] = binarization == Binarization.Threshold ? (b >= 128 ? 1.0 : 0.0) : b / 255.0;
            }
        return x;
    }
}

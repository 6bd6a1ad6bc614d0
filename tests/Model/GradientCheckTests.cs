using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Model;
using IlgpuVae.Kernels;
using NUnit.Framework;

namespace IlgpuVae.Tests.Model;

/// <summary>
/// A finite-difference check of the whole negative ELBO. The engine's float forward and backward passes
/// (<see cref="VaeNetwork"/> on the CPU accelerator) give the gradient; an independent double-precision
/// re-implementation of the VAE (<see cref="DoubleVae"/>), fed the same parameters, input and ε, gives
/// the objective, whose central differences the gradient must match. Objective: the mean over the batch
/// of −[(1/L) Σ_l log p(x|z_l) − KL], with z_l = μ + σ ε_l.
/// </summary>
[TestFixture]
public sealed class GradientCheckTests
{
    private const int Batch = 4;

    /// <summary>Every likelihood × estimator × sample count on a 6-[5]-3 model with batch 4.</summary>
    [Test, Combinatorial]
    public void EngineGradientMatchesFiniteDifferences([Values] Likelihood likelihood, [Values] KlEstimator estimator, [Values(1, 2)] int samples)
    {
        var config = new ModelConfig
        {
            InputSize = 6, HiddenSizes = [5], LatentSize = 3, Likelihood = likelihood, Estimator = estimator, Samples = samples,
        };
        Check(config, seed: (int)likelihood * 10 + (int)estimator * 3 + samples);
    }

    /// <summary>Two hidden layers (the decoder mirrors them), so gradients pass through tanh → tanh.</summary>
    [TestCase(Likelihood.Bernoulli)]
    [TestCase(Likelihood.Gaussian)]
    public void DeeperModelGradientMatchesFiniteDifferences(Likelihood likelihood)
    {
        var config = new ModelConfig { InputSize = 5, HiddenSizes = [4, 3], LatentSize = 2, Likelihood = likelihood, Samples = 2 };
        Check(config, seed: 99 + (int)likelihood);
    }

    /// <summary>
    /// A Gaussian decoder whose log-variance floor (−0.3) is active for part of the pixels: the floored
    /// elements contribute no gradient to their log-variance head, in the engine as in the double model.
    /// </summary>
    [Test]
    public void GaussianGradientWithActiveFloorMatchesFiniteDifferences()
    {
        var config = new ModelConfig
        {
            InputSize = 6, HiddenSizes = [5], LatentSize = 3, Likelihood = Likelihood.Gaussian, Samples = 2, MinLogVariance = -0.3f,
        };
        int floored = Check(config, seed: 7);
        Assert.That(floored, Is.GreaterThan(0), "no log-variance was below the floor: the case does not test it");
    }

    /// <summary>Runs the check; returns how many decoder log-variances were below the floor (Gaussian).</summary>
    private static int Check(ModelConfig config, int seed)
    {
        var layout = new ParameterLayout(config);
        var random = new Random(seed);
        // Parameters N(0, 0.5²): large enough for tanh to be non-linear and every gradient to be non-trivial.
        var theta = new float[layout.Count];
        for (int i = 0; i < theta.Length; i++) theta[i] = (float)(0.5 * Normal(random));
        var x = new float[Batch * config.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = i % 4 == 0 ? 0f : i % 4 == 1 ? 1f : (float)random.NextDouble();

        // The engine: forward (ε from the training stream at step 3) and backward, in float.
        using var cpu = new CpuAccelerator(2);
        using var parameters = cpu.Upload<float>(theta);
        using var gradients = cpu.Allocate<float>(layout.Count);
        var network = new VaeNetwork(cpu, config, parameters);
        using var ws = new Workspace(cpu, config, layout, Batch);
        ws.Input.Upload(x);
        network.Forward(ws, Batch, 0, new RandomKey(1234, RandomStream.TrainNoise, 3), network.ReconstructionScale(Batch));
        network.Backward(ws, Batch, gradients);
        var grad = gradients.ToArray();
        var epsilon = ws.Epsilon.ToArray();
        var elbo = ws.Elbo.ToArray();

        var model = new DoubleVae(config, layout, x, epsilon, Batch);
        var thetaD = Array.ConvertAll(theta, v => (double)v);

        // The engine's per-datapoint ELBO agrees with the double model at the same ε (float rounding only).
        var elboD = model.ElboRows(thetaD);
        for (int i = 0; i < Batch; i++)
            Assert.That((double)elbo[i], Is.EqualTo(elboD[i]).Within(1e-5 * (1 + Math.Abs(elboD[i]))), $"ELBO of datapoint {i}");

        // Central differences in double: step 10⁻⁵·max(1, |θ|) gives truncation ~10⁻¹⁰ and cancellation ~10⁻¹¹.
        var fd = new double[theta.Length];
        for (int i = 0; i < theta.Length; i++)
        {
            double h = 1e-5 * Math.Max(1, Math.Abs(thetaD[i])), saved = thetaD[i];
            thetaD[i] = saved + h;
            double up = model.Objective(thetaD);
            thetaD[i] = saved - h;
            double down = model.Objective(thetaD);
            thetaD[i] = saved;
            fd[i] = (up - down) / (2 * h);
        }

        // Float gradients: each is a short chain of float kernels over sums of a few dozen terms, so its
        // error is ~10⁻⁷ relative to the gradient scale. Tolerance: 10⁻⁴ relative plus 10⁻⁶ of the largest
        // gradient; a wrong term or factor is off by O(1). Calibration (all 11 cases): the largest
        // error/tolerance ratio was 0.027 (at 10⁻³ + 10⁻⁵, 0.0027), so the margin is about 40×.
        double scale = fd.Max(Math.Abs);
        Assert.That(scale, Is.GreaterThan(1e-3), "the gradient is trivially small");
        int worst = 0;
        double worstRatio = -1;
        for (int i = 0; i < fd.Length; i++)
        {
            double ratio = Math.Abs(grad[i] - fd[i]) / (1e-4 * Math.Abs(fd[i]) + 1e-6 * scale);
            if (!(ratio <= worstRatio)) { worstRatio = ratio; worst = i; }
        }
        Assert.That((double)grad[worst], Is.EqualTo(fd[worst]).Within(1e-4 * Math.Abs(fd[worst]) + 1e-6 * scale),
            $"gradient of parameter {worst} ({DoubleVae.Describe(layout, worst)}) of {fd.Length}; worst error/tolerance {worstRatio:F3}");
        return model.FlooredCount(thetaD);
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>
    /// The VAE in double, written from the model's definition (not from the kernels): encoder tanh layers,
    /// a linear head (μ, log σ²), z = μ + exp(½ log σ²)·ε with the given ε, decoder tanh layers, and a
    /// Bernoulli (logits) or Gaussian (sigmoid mean, floored log-variance) output.
    /// </summary>
    private sealed class DoubleVae(ModelConfig config, ParameterLayout layout, float[] x, float[] epsilon, int batch)
    {
        private static double[] Layer(double[] theta, LinearLayer l, double[] input)
        {
            var y = new double[l.Outputs];
            for (int n = 0; n < l.Outputs; n++)
            {
                double acc = theta[l.BiasOffset + n];
                for (int k = 0; k < l.Inputs; k++) acc += input[k] * theta[l.WeightOffset + (long)k * l.Outputs + n];
                y[n] = l.Activation == Activation.Tanh ? Math.Tanh(acc) : acc;
            }
            return y;
        }

        private double[] Input(int i) => Enumerable.Range(0, config.InputSize).Select(p => (double)x[i * config.InputSize + p]).ToArray();

        private double[] Encode(double[] theta, int i)
        {
            var h = Input(i);
            foreach (var l in layout.EncoderHidden) h = Layer(theta, l, h);
            return Layer(theta, layout.EncoderHead, h);
        }

        private double[] Decode(double[] theta, double[] z)
        {
            var h = z;
            foreach (var l in layout.DecoderHidden) h = Layer(theta, l, h);
            return Layer(theta, layout.DecoderOutput, h);
        }

        /// <summary>ELBO of every datapoint: (1/L) Σ_l log p(x|z_l) − KL.</summary>
        public double[] ElboRows(double[] theta)
        {
            int latent = config.LatentSize, samples = config.Samples, pixels = config.InputSize;
            var rows = new double[batch];
            for (int i = 0; i < batch; i++)
            {
                var e = Encode(theta, i);
                var xi = Input(i);
                double ll = 0, klMc = 0, klAnalytic = 0;
                for (int j = 0; j < latent; j++)
                {
                    double mu = e[j], lv = e[latent + j];
                    klAnalytic += -0.5 * (1 + lv - mu * mu - Math.Exp(lv));
                }
                for (int l = 0; l < samples; l++)
                {
                    var z = new double[latent];
                    for (int j = 0; j < latent; j++)
                    {
                        double eps = epsilon[(i * samples + l) * latent + j], lv = e[latent + j];
                        z[j] = e[j] + Math.Exp(0.5 * lv) * eps;
                        // log q(z|x) − log p(z): the log 2π terms cancel, (z − μ)²/σ² = ε².
                        klMc += 0.5 * (z[j] * z[j] - lv - eps * eps);
                    }
                    var o = Decode(theta, z);
                    for (int p = 0; p < pixels; p++)
                    {
                        if (config.Likelihood == Likelihood.Bernoulli)
                        {
                            double logit = o[p];
                            ll += xi[p] * logit - (Math.Max(logit, 0) + Math.Log(1 + Math.Exp(-Math.Abs(logit))));
                        }
                        else
                        {
                            double mean = 1 / (1 + Math.Exp(-o[p]));
                            double lv = Math.Max(o[pixels + p], config.MinLogVariance);
                            double d = xi[p] - mean;
                            ll += -0.5 * (Math.Log(2 * Math.PI) + lv + d * d * Math.Exp(-lv));
                        }
                    }
                }
                double kl = config.Estimator == KlEstimator.Analytic ? klAnalytic : klMc / samples;
                rows[i] = ll / samples - kl;
            }
            return rows;
        }

        /// <summary>The negative ELBO averaged over the batch.</summary>
        public double Objective(double[] theta) => -ElboRows(theta).Average();

        /// <summary>How many decoder log-variances lie below the floor (Gaussian only).</summary>
        public int FlooredCount(double[] theta)
        {
            if (config.Likelihood != Likelihood.Gaussian) return 0;
            int count = 0;
            for (int i = 0; i < batch; i++)
            {
                var e = Encode(theta, i);
                for (int l = 0; l < config.Samples; l++)
                {
                    var z = new double[config.LatentSize];
                    for (int j = 0; j < z.Length; j++)
                        z[j] = e[j] + Math.Exp(0.5 * e[z.Length + j]) * epsilon[(i * config.Samples + l) * z.Length + j];
                    var o = Decode(theta, z);
                    for (int p = 0; p < config.InputSize; p++) if (o[config.InputSize + p] < config.MinLogVariance) count++;
                }
            }
            return count;
        }

        /// <summary>Names the layer and tensor a parameter index belongs to.</summary>
        public static string Describe(ParameterLayout layout, long index)
        {
            var layers = layout.EncoderHidden.Select((l, i) => ($"encoder hidden {i}", l))
                .Append(("encoder head", layout.EncoderHead))
                .Concat(layout.DecoderHidden.Select((l, i) => ($"decoder hidden {i}", l)))
                .Append(("decoder output", layout.DecoderOutput));
            foreach (var (name, l) in layers)
            {
                if (index >= l.WeightOffset && index < l.BiasOffset) return $"{name} W[{(index - l.WeightOffset) / l.Outputs},{(index - l.WeightOffset) % l.Outputs}]";
                if (index >= l.BiasOffset && index < l.End) return $"{name} b[{index - l.BiasOffset}]";
            }
            return "?";
        }
    }
}

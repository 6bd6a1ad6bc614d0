using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Evaluation;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Tests.Model;
using NUnit.Framework;

namespace IlgpuVae.Tests.Evaluation;

/// <summary>
/// The importance-sampling estimate of log p(x) (<see cref="MarginalLikelihood"/>) on a model trained for
/// a few epochs on the 8×8 pattern images of <see cref="SyntheticImages"/>, whose true log-likelihood
/// is known in closed form: the estimate lies above the ELBO, below the truth (up to the noise of 100
/// test images), and does not depend on chunking, thread count or which other images are evaluated.
/// </summary>
[TestFixture]
public sealed class MarginalLikelihoodTests
{
    private const double Flip = 0.05;
    private CpuAccelerator _cpu = null!;
    private Dataset _data = null!;
    private ModelConfig _model = null!;
    private float[] _parameters = null!;
    private double _testElbo;

    [OneTimeSetUp]
    public void TrainSmallModel()
    {
        _cpu = new CpuAccelerator(2);
        _data = SyntheticImages.Dataset(400, 100, Flip);
        _model = new ModelConfig { InputSize = SyntheticImages.Pixels, HiddenSizes = [32], LatentSize = 4, InitScale = 0.1f };
        var training = new TrainingConfig { LearningRate = 0.1f, BatchSize = 20, Seed = 3 };
        using var trainer = new Trainer(_cpu, _model, training, _data);
        for (int e = 0; e < 4; e++) trainer.TrainEpoch(evaluateTest: false);
        _testElbo = trainer.EvaluateTestElbo();
        _parameters = trainer.DownloadParameters();
    }

    [OneTimeTearDown]
    public void Stop() => _cpu.Dispose();

    private MarginalLikelihoodResult Estimate(ImageSet images, int samples, int chunkRows = 1000, CpuAccelerator? on = null) =>
        MarginalLikelihood.Estimate(on ?? _cpu, _model, _parameters, images, new MarginalLikelihoodOptions { Samples = samples, ChunkRows = chunkRows, Seed = 5 });

    [Test]
    public void TheEstimateLiesBetweenTheElboAndTheTruth()
    {
        var result = Estimate(_data.Test, 2000, chunkRows: 700);
        double truth = TrueLogLikelihood(_data.Test);
        string numbers = $"ELBO {_testElbo:F3}, mean log-weight {result.MeanLogWeight:F3}, log p(x) estimate {result.MeanLogLikelihood:F3}, truth {truth:F3}";
        TestContext.Out.WriteLine(numbers);
        Assert.That(result.MeanLogLikelihood, Is.GreaterThan(_testElbo), "the estimate must not fall below the ELBO on average: " + numbers);
        Assert.That(result.MeanLogLikelihood, Is.GreaterThanOrEqualTo(result.MeanLogWeight), numbers);
        Assert.That(result.MeanLogWeight, Is.EqualTo(_testElbo).Within(0.5), "the mean log-weight estimates the same ELBO: " + numbers);
        // Gibbs: no model beats the generating distribution on average; allow the noise of 100 images.
        Assert.That(result.MeanLogLikelihood, Is.LessThan(truth + 1.0), numbers);
        Assert.That(result.PerImage, Has.Length.EqualTo(_data.Test.Count));
        Assert.That(result.PerImage.All(float.IsFinite), Is.True);
    }

    [Test]
    public void TheMeanLogWeightIsTheElboOfManySamples()
    {
        // E[log w] = E_q[log p(x|z)] − KL(q‖p): the trainer's ELBO with L = 1000 samples and the analytic KL
        // estimates the same number with far less noise than the single-sample test ELBO.
        using var many = new VaeModel(_cpu, _model with { Samples = 1000 }, _parameters);
        double elbo = many.MeanElbo(_data.Test, 5, IlgpuVae.Kernels.Binarization.None, batchSize: 10);
        var result = Estimate(_data.Test, 1000);
        TestContext.Out.WriteLine($"ELBO (L = 1000) {elbo:F4}, mean log-weight (K = 1000) {result.MeanLogWeight:F4}");
        Assert.That(result.MeanLogWeight, Is.EqualTo(elbo).Within(0.05));
    }

    [Test]
    public void MoreSamplesTightenTheEstimate()
    {
        // log-mean-exp of more weights: E[estimate] grows with K (Burda et al.'s bound is monotone).
        double k1 = Estimate(_data.Test, 1).MeanLogLikelihood;
        double k50 = Estimate(_data.Test, 50).MeanLogLikelihood;
        double k1000 = Estimate(_data.Test, 1000).MeanLogLikelihood;
        Assert.That(k50, Is.GreaterThan(k1));
        Assert.That(k1000, Is.GreaterThan(k50));
    }

    [Test]
    public void OneSampleGivesItsOwnLogWeight()
    {
        var result = Estimate(_data.Test, 1);
        Assert.That(result.MeanLogLikelihood, Is.EqualTo(result.MeanLogWeight), "log-mean-exp of one value is the value");
    }

    [Test]
    public void ChunkingThreadsAndNeighboursChangeNoBit()
    {
        var reference = Estimate(_data.Test, 90, chunkRows: 1000).PerImage;   // 11 images per launch, one chunk each
        var chunked = Estimate(_data.Test, 90, chunkRows: 40).PerImage;       // one image per launch, chunks of 30
        var uneven = Estimate(_data.Test, 90, chunkRows: 89).PerImage;        // chunks of 45
        using var oneThread = new CpuAccelerator(1);
        var single = Estimate(_data.Test, 90, on: oneThread).PerImage;
        var firstSeven = Estimate(_data.Test.Take(7), 90).PerImage;
        Assert.That(chunked, Is.EqualTo(reference));
        Assert.That(uneven, Is.EqualTo(reference));
        Assert.That(single, Is.EqualTo(reference));
        Assert.That(firstSeven, Is.EqualTo(reference[..7]));
    }

    [Test]
    public void TheGaussianDecoderIsEstimatedToo()
    {
        var grey = SyntheticImages.Dataset(40, 20, Flip, grey: true);
        var model = _model with { Likelihood = Likelihood.Gaussian, InitScale = 0.2f };
        var parameters = ParameterInit.Create(model, 6);
        var options = new MarginalLikelihoodOptions { Samples = 200, ChunkRows = 64, Seed = 2 };
        var result = MarginalLikelihood.Estimate(_cpu, model, parameters, grey.Test, options);
        Assert.That(double.IsFinite(result.MeanLogLikelihood), Is.True);
        Assert.That(result.MeanLogLikelihood, Is.GreaterThanOrEqualTo(result.MeanLogWeight));
        // log p(x|z) is bounded by the log-variance floor, at most −½(log 2π + floor) nats per pixel, and the
        // mean log-weight is E[log p(x|z)] − KL, so it stays below that bound.
        double bound = SyntheticImages.Pixels * -0.5 * (Math.Log(2 * Math.PI) + model.MinLogVariance);
        Assert.That(result.MeanLogWeight, Is.LessThan(bound));
    }

    [Test]
    public void BadSettingsAreInputErrors()
    {
        Assert.Throws<InputException>(() => Estimate(_data.Test, 0));
        Assert.Throws<InputException>(() => Estimate(_data.Test, 10, chunkRows: 0));
        var wrongSize = new ImageSet(2, 3, 3, new byte[18]);
        Assert.Throws<InputException>(() => Estimate(wrongSize, 10));
    }

    /// <summary>Mean log-likelihood under the generating mixture (¼ per pattern, each pixel flipped with probability 0.05).</summary>
    internal static double TrueLogLikelihood(ImageSet images)
    {
        double total = 0;
        for (int i = 0; i < images.Count; i++)
        {
            var logs = new double[4];
            for (int k = 0; k < 4; k++)
            {
                double log = Math.Log(0.25);
                for (int r = 0; r < SyntheticImages.Side; r++)
                    for (int c = 0; c < SyntheticImages.Side; c++)
                    {
                        bool ink = images.Pixels[i * SyntheticImages.Pixels + r * SyntheticImages.Side + c] > 127;
                        log += Math.Log(ink == SyntheticImages.Ink(k, r, c) ? 1 - Flip : Flip);
                    }
                logs[k] = log;
            }
            double m = logs.Max();
            total += m + Math.Log(logs.Sum(l => Math.Exp(l - m)));
        }
        return total / images.Count;
    }
}

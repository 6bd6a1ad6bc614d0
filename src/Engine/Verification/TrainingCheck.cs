using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Engine.Verification;

/// <summary>
/// A whole-training check: a small model trained for a few epochs (≥ 20 steps) through the real
/// <see cref="Trainer"/> on a synthetic data set, after which every parameter, every optimizer-state
/// value, β₁ᵗ and β₂ᵗ (from <see cref="Trainer.CaptureState"/>) and each epoch's train and test ELBO must
/// have the same bits on both accelerators. Any kernel difference compounds over the steps, so this
/// also catches differences that a single kernel call with its test inputs happens not to show.
/// </summary>
internal sealed class TrainingCheck
{
    private TrainingCheck(string name, ModelConfig model, TrainingConfig training, Dataset data)
    {
        Name = name;
        Model = model;
        Training = training;
        Data = data;
    }

    /// <summary>The check's name, e.g. "Training/bernoulli-adagrad".</summary>
    public string Name { get; }

    /// <summary>The model trained.</summary>
    public ModelConfig Model { get; }

    /// <summary>The training settings (the epoch count is how long it runs).</summary>
    public TrainingConfig Training { get; }

    /// <summary>The data it trains on.</summary>
    public Dataset Data { get; }

    /// <summary>Optimizer steps the check runs.</summary>
    public long Steps => (long)Training.Epochs * (Math.Min(Training.TrainLimit ?? int.MaxValue, Data.Train.Count) / Training.BatchSize);

    /// <summary>
    /// The two training checks: the paper's setting in miniature (Bernoulli decoder, analytic KL, Adagrad,
    /// dynamic binarization, two hidden layers) and the other half of the options (Gaussian decoder,
    /// Monte Carlo KL with two samples, Adam, grey levels).
    /// </summary>
    public static IReadOnlyList<TrainingCheck> All { get; } =
    [
        new("Training/bernoulli-adagrad",
            new ModelConfig { InputSize = 64, HiddenSizes = [24, 16], LatentSize = 4, Likelihood = Likelihood.Bernoulli, Estimator = KlEstimator.Analytic },
            new TrainingConfig { Optimizer = OptimizerKind.Adagrad, LearningRate = 0.05f, WeightDecay = 1e-3f, BatchSize = 10, Epochs = 2, Seed = 7, Binarization = Binarization.Dynamic },
            SyntheticData.Create(200, 30, 8, 11)),
        new("Training/gaussian-adam",
            new ModelConfig { InputSize = 49, HiddenSizes = [20], LatentSize = 3, Likelihood = Likelihood.Gaussian, Estimator = KlEstimator.MonteCarlo, Samples = 2 },
            new TrainingConfig { Optimizer = OptimizerKind.Adam, LearningRate = 0.003f, BatchSize = 10, Epochs = 1, Seed = 8, Binarization = Binarization.None },
            SyntheticData.Create(210, 25, 7, 12)),
    ];

    /// <summary>Trains on <paramref name="accelerator"/> and returns the final state and the per-epoch ELBOs.</summary>
    public IReadOnlyList<CheckOutput> Run(Accelerator accelerator)
    {
        using var trainer = new Trainer(accelerator, Model, Training, Data);
        var elbos = new List<double>();
        for (int e = 0; e < Training.Epochs; e++)
        {
            var metrics = trainer.TrainEpoch();
            elbos.Add(metrics.TrainElbo);
            elbos.Add(metrics.TestElbo ?? double.NaN);
        }
        var state = trainer.CaptureState();
        var outputs = new List<CheckOutput>
        {
            CheckOutput.Of("parameters", state.Parameters),
            CheckOutput.Of("optimizer state 0", state.OptimizerState0),
        };
        if (state.OptimizerState1 is not null) outputs.Add(CheckOutput.Of("optimizer state 1", state.OptimizerState1));
        outputs.Add(CheckOutput.Of("beta powers", [state.Beta1Power, state.Beta2Power]));
        outputs.Add(CheckOutput.Of("train and test ELBO per epoch", elbos.ToArray()));
        return outputs;
    }

    /// <summary>Trains on both accelerators and compares everything bit for bit.</summary>
    public CheckResult Compare(Accelerator reference, Accelerator actual) => BitComparison.Compare(Name, Run(reference), Run(actual));

    /// <inheritdoc />
    public override string ToString() => Name;
}

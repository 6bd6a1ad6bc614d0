using System.CommandLine;
using System.Globalization;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae train`: trains a VAE and writes config.json, metrics.jsonl and model.ckpt (with the older checkpoints kept) to the run folder.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console)
    {
        var shared = new SharedOptions();
        var latent = new Option<int>("--latent") { Description = "latent size Nz", DefaultValueFactory = _ => 20 };
        var hidden = new Option<string>("--hidden") { Description = "encoder hidden layer sizes, comma-separated (the decoder mirrors them)", DefaultValueFactory = _ => "500" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "minibatch size M", DefaultValueFactory = _ => 100 };
        var lr = new Option<float?>("--lr") { Description = "learning rate (default 0.01 for adagrad and sgd, 0.001 for rmsprop and adam)" };
        var optimizer = new Option<string>("--optimizer") { Description = "adagrad (the paper's), rmsprop, adam or sgd (with momentum)", DefaultValueFactory = _ => "adagrad" };
        optimizer.AcceptOnlyFromAmong("adagrad", "rmsprop", "adam", "sgd");
        var likelihood = new Option<string>("--likelihood") { Description = "decoder: bernoulli (binary/grey-level images) or gaussian (continuous data)", DefaultValueFactory = _ => "bernoulli" };
        likelihood.AcceptOnlyFromAmong("bernoulli", "gaussian");
        var estimator = new Option<string>("--estimator") { Description = "SGVB estimator: B (analytic KL, the paper's default) or A (Monte Carlo KL)", DefaultValueFactory = _ => "B" };
        estimator.AcceptOnlyFromAmong(StringComparer.OrdinalIgnoreCase, "A", "B");
        var minLogVariance = new Option<float>("--min-log-variance") { Description = "gaussian decoder: floor of the per-pixel log-variance (bounds the density of pixels that never vary)", DefaultValueFactory = _ => -6f };
        var samples = new Option<int>("--samples") { Description = "L: samples of z per datapoint", DefaultValueFactory = _ => 1 };
        var weightDecay = new Option<float>("--weight-decay") { Description = "λ: gradient += λθ (1/N is the paper's N(0, I) prior on the parameters)", DefaultValueFactory = _ => 0f };
        var seed = new Option<ulong>("--seed") { Description = "seed of every random draw", DefaultValueFactory = _ => 1UL };
        var binarize = new Option<string>("--binarize") { Description = "none (grey levels), dynamic (fresh Bernoulli draws each step) or threshold (b ≥ 128)", DefaultValueFactory = _ => "none" };
        binarize.AcceptOnlyFromAmong("none", "dynamic", "threshold");
        var trainLimit = new Option<int?>("--train-limit") { Description = "use only the first N training images" };
        var output = new Option<string?>("--out") { Description = "run folder (default runs/<date-time>); must not already hold a run" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this folder from its newest valid checkpoint, up to --epochs epochs in total (default: the run's own --epochs)" };
        var keepCheckpoints = new Option<int>("--keep-checkpoints") { Description = "checkpoints to keep: model.ckpt is the newest, older ones model.ckpt.1, .2, …", DefaultValueFactory = _ => 3 };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = "also save a checkpoint every N steps (default: at each epoch end only)" };
        var onDivergence = new Option<string>("--on-divergence") { Description = "when the loss or parameters become NaN/infinite: stop (exit code 3), or rollback to the last good checkpoint with half the learning rate", DefaultValueFactory = _ => "stop" };
        onDivergence.AcceptOnlyFromAmong("stop", "rollback");

        var command = new Command("train", "Train the VAE (defaults: the paper's MNIST model 784-500-20, Adagrad lr 0.01, minibatch 100, estimator B).")
        {
            latent, hidden, epochs, batch, lr, optimizer, likelihood, estimator, samples, minLogVariance, weightDecay, seed, binarize, trainLimit, output, resume,
            keepCheckpoints, checkpointEvery, onDivergence,
        };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);

        command.SetAction(parse =>
        {
            bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
            int keep = parse.GetValue(keepCheckpoints);
            if (keep < 1 || keep > CheckpointRotation.MaxKeep) throw new InputException($"--keep-checkpoints must be between 1 and {CheckpointRotation.MaxKeep}, got {keep}");
            int? every = parse.GetValue(checkpointEvery);
            if (every is < 1) throw new InputException($"--checkpoint-every must be at least 1 step, got {every}");
            var requestedModel = new ModelConfig
            {
                HiddenSizes = ParseSizes(parse.GetValue(hidden)!),
                LatentSize = parse.GetValue(latent),
                Likelihood = parse.GetValue(likelihood) == "gaussian" ? Likelihood.Gaussian : Likelihood.Bernoulli,
                Estimator = parse.GetValue(estimator)!.Equals("A", StringComparison.OrdinalIgnoreCase) ? KlEstimator.MonteCarlo : KlEstimator.Analytic,
                Samples = parse.GetValue(samples),
                MinLogVariance = parse.GetValue(minLogVariance),
            };
            var requestedTraining = new TrainingConfig
            {
                Optimizer = parse.GetValue(optimizer) switch
                {
                    "rmsprop" => OptimizerKind.RmsProp,
                    "adam" => OptimizerKind.Adam,
                    "sgd" => OptimizerKind.SgdMomentum,
                    _ => OptimizerKind.Adagrad,
                },
                LearningRate = parse.GetValue(lr),
                WeightDecay = parse.GetValue(weightDecay),
                BatchSize = parse.GetValue(batch),
                Epochs = parse.GetValue(epochs),
                Seed = parse.GetValue(seed),
                Binarization = parse.GetValue(binarize) switch
                {
                    "dynamic" => Binarization.Dynamic,
                    "threshold" => Binarization.Threshold,
                    _ => Binarization.None,
                },
                TrainLimit = parse.GetValue(trainLimit),
            };
            // The optimizer's default rate is resolved here, so the checkpoint records the rate in effect, as
            // config.json does: a run repeated from its config.json writes the same checkpoint, bit for bit.
            requestedTraining = requestedTraining with { LearningRate = requestedTraining.EffectiveLearningRate };
            TrainingState? state = null;
            ModelConfig model;
            TrainingConfig training;
            RunFolder folder;
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                if (Given(output)) throw new InputException("--out cannot be combined with --resume: a resumed run continues in its own folder");
                folder = RunFolder.OpenExisting(resumeDir, keep);
                try
                {
                    (state, string file) = folder.LoadNewestCheckpoint(console.Log);
                    // A resumed run keeps its configuration; an option given with a different value is
                    // refused rather than ignored. Only --lr and --epochs may change (a smaller --lr is
                    // the usual answer to a divergence; the run is then no longer bit-identical to one
                    // that never stopped).
                    var fixedOptions = new (Option Option, object? Requested, object? Saved)[]
                    {
                        (latent, requestedModel.LatentSize, state.Model.LatentSize),
                        (hidden, string.Join(",", requestedModel.HiddenSizes), string.Join(",", state.Model.HiddenSizes)),
                        (likelihood, requestedModel.Likelihood, state.Model.Likelihood),
                        (estimator, requestedModel.Estimator, state.Model.Estimator),
                        (samples, requestedModel.Samples, state.Model.Samples),
                        (minLogVariance, requestedModel.MinLogVariance, state.Model.MinLogVariance),
                        (optimizer, requestedTraining.Optimizer, state.Training.Optimizer),
                        (weightDecay, requestedTraining.WeightDecay, state.Training.WeightDecay),
                        (batch, requestedTraining.BatchSize, state.Training.BatchSize),
                        (seed, requestedTraining.Seed, state.Training.Seed),
                        (binarize, requestedTraining.Binarization, state.Training.Binarization),
                        (trainLimit, requestedTraining.TrainLimit, state.Training.TrainLimit),
                    };
                    foreach (var (option, requested, saved) in fixedOptions)
                        if (Given(option) && !Equals(requested, saved))
                            throw new InputException($"--resume {resumeDir}: {option.Name} {Show(requested)} differs from the run's {Show(saved)}; " +
                                                     "a resumed run keeps its configuration (start a new run with --out to change it)");
                    model = state.Model;
                    training = state.Training with
                    {
                        Epochs = Given(epochs) ? requestedTraining.Epochs : state.Training.Epochs,
                        LearningRate = Given(lr) ? requestedTraining.LearningRate : state.Training.LearningRate,
                    };
                    training.Validate();
                    folder.TrimMetrics(state.Epoch);
                    console.Log($"resuming {resumeDir} from {Path.GetFileName(file)}: epoch {state.Epoch}, step {state.Step}" +
                                (state.StepInEpoch > 0 ? $" ({state.StepInEpoch} steps into epoch {state.Epoch + 1})" : ""));
                }
                catch
                {
                    folder.Dispose();
                    throw;
                }
            }
            else
            {
                model = requestedModel;
                training = requestedTraining;
                // Validate everything the user typed before touching data or devices.
                (model with { InputSize = 1 }).Validate();
                training.Validate();
                folder = RunFolder.CreateNew(parse.GetValue(output), keep);
            }

            using (folder)
            {
                var data = shared.LoadData(parse, console);
                model = model with { InputSize = data.Train.PixelsPerImage };
                if (state is not null && !state.Model.Equals(model))
                    throw new InputException($"the data has {data.Train.PixelsPerImage} pixels per image, the checkpoint's model expects {state.Model.InputSize}");
                using var accelerator = shared.CreateAccelerator(parse, console);
                using var signals = new StopSignals(console.Log);
                var loop = new TrainLoop(console, folder)
                {
                    CheckpointEvery = every,
                    RollBack = parse.GetValue(onDivergence) == "rollback",
                    OnConfiguration = (effective, trainer) =>
                    {
                        folder.WriteConfig(EffectiveConfig.ForTrain(parse, model, effective, accelerator.Name));
                        console.Log($"model {model.Describe()}, {trainer.Layout.Count:N0} parameters; {effective.Optimizer.ToString().ToLowerInvariant()} lr {effective.EffectiveLearningRate}; " +
                                    $"{trainer.StepsPerEpoch} steps of {effective.BatchSize} per epoch; run folder {folder.Path}");
                    },
                };
                int code = loop.Run(accelerator, model, training, data, state, signals.Token);
                // The report (figures, configuration, metrics) is drawn from the final checkpoint; a report
                // that cannot be written is a warning, never a failed run.
                if (code == ExitCodes.Success)
                    Figures.RunReport.WriteOrWarn(folder.Path, CheckpointFile.Load(folder.CheckpointPath), data, accelerator, console.Log);
                return code;
            }
        });
        return command;
    }

    private static string Show(object? value) => value switch
    {
        null => "(none)",
        float f => f.ToString(CultureInfo.InvariantCulture),
        Enum e => e.ToString().ToLowerInvariant(),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    internal static int[] ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new InputException("--hidden needs at least one layer size, e.g. --hidden 500");
        var sizes = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out sizes[i]))
                throw new InputException($"--hidden: '{parts[i]}' is not a whole number");
        return sizes;
    }
}

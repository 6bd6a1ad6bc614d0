using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using IlgpuVae.Runner.Parallel;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae train`: trains a VAE and writes config.json, metrics.jsonl and model.ckpt (with the older checkpoints kept) to the run folder.</summary>
internal static class TrainCommand
{
    public static Command Create(CliConsole console, StopSignals signals, ParallelJob job)
    {
        var shared = new SharedOptions();
        var latent = new Option<int>("--latent") { Description = "latent size Nz", DefaultValueFactory = _ => 20 };
        var hidden = new Option<string>("--hidden") { Description = "encoder hidden layer sizes, comma-separated (the decoder mirrors them)", DefaultValueFactory = _ => "500" };
        var epochs = new Option<int>("--epochs") { Description = "passes over the training set", DefaultValueFactory = _ => 10 };
        var batch = new Option<int>("--batch-size") { Description = "minibatch size M", DefaultValueFactory = _ => 100 };
        var batchParts = new Option<int>("--batch-parts")
        {
            Description = "parts of each minibatch: every sum over the minibatch is taken per part and the parts added in order, " +
                          "so that 1 up to this many MPI processes give the same bits (1, 2, 3, 4, 6, 12 share 12 evenly)",
            DefaultValueFactory = _ => TrainingConfig.DefaultBatchParts,
        };
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
        var output = new Option<string?>("--out") { Description = "run folder (default runs/<date-time>): a new or empty folder, or a run of this program stopped before its first checkpoint" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this folder from its newest valid checkpoint, on its own data and with its own settings, up to --epochs epochs in total (default: the run's own --epochs)" };
        var keepCheckpoints = new Option<int>("--keep-checkpoints") { Description = "checkpoints to keep: model.ckpt is the newest, older ones model.ckpt.1, .2, …", DefaultValueFactory = _ => 3 };
        var checkpointEvery = new Option<int?>("--checkpoint-every") { Description = "also save a checkpoint every N steps (default: at each epoch end only)" };
        var onDivergence = new Option<string>("--on-divergence") { Description = "when the loss or parameters become NaN/infinite: stop (exit code 3), or rollback to the last good checkpoint with half the learning rate", DefaultValueFactory = _ => "stop" };
        onDivergence.AcceptOnlyFromAmong("stop", "rollback");

        var command = new Command("train", "Train the VAE (defaults: the paper's MNIST model 784-500-20, Adagrad lr 0.01, minibatch 100, estimator B).")
        {
            latent, hidden, epochs, batch, batchParts, lr, optimizer, likelihood, estimator, samples, minLogVariance, weightDecay, seed, binarize, trainLimit, output, resume,
            keepCheckpoints, checkpointEvery, onDivergence,
        };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);

        // What the user asked for, read from a parse (the command line, or it with a run's saved settings added).
        // The optimizer's default rate is resolved here, so the checkpoint records the rate in effect, as
        // config.json does: a run repeated from its config.json writes the same checkpoint, bit for bit.
        (ModelConfig Model, TrainingConfig Training) Requested(ParseResult parse)
        {
            var (model, training) = RequestedAsGiven(parse);
            return (model, training with { LearningRate = training.EffectiveLearningRate });
        }

        (ModelConfig Model, TrainingConfig Training) RequestedAsGiven(ParseResult parse) => (
            new ModelConfig
            {
                HiddenSizes = ParseSizes(parse.GetValue(hidden)!),
                LatentSize = parse.GetValue(latent),
                Likelihood = parse.GetValue(likelihood) == "gaussian" ? Likelihood.Gaussian : Likelihood.Bernoulli,
                Estimator = parse.GetValue(estimator)!.Equals("A", StringComparison.OrdinalIgnoreCase) ? KlEstimator.MonteCarlo : KlEstimator.Analytic,
                Samples = parse.GetValue(samples),
                MinLogVariance = parse.GetValue(minLogVariance),
            },
            new TrainingConfig
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
                BatchParts = parse.GetValue(batchParts),
                Epochs = parse.GetValue(epochs),
                Seed = parse.GetValue(seed),
                Binarization = parse.GetValue(binarize) switch
                {
                    "dynamic" => Binarization.Dynamic,
                    "threshold" => Binarization.Threshold,
                    _ => Binarization.None,
                },
                TrainLimit = parse.GetValue(trainLimit),
            });

        // Every value the user typed is checked before any folder, data or device is touched.
        (ModelConfig, TrainingConfig, int Keep, int? Every) Checked(ParseResult parse)
        {
            var (model, training) = Requested(parse);
            (model with { InputSize = 1 }).Validate();
            training.Validate();
            int keep = parse.GetValue(keepCheckpoints);
            if (keep < 1 || keep > CheckpointRotation.MaxKeep) throw new InputException($"--keep-checkpoints must be between 1 and {CheckpointRotation.MaxKeep}, got {keep}");
            int? every = parse.GetValue(checkpointEvery);
            if (every is < 1) throw new InputException($"--checkpoint-every must be at least 1 step, got {every}");
            return (model, training, keep, every);
        }

        command.SetAction(original =>
        {
            // The other ranks of an MPI job train what rank 0 resolves, and never touch the run folder.
            if (!job.IsLeader) return Follow(original, job, shared, console, signals);
            bool Given(Option option) => original.GetResult(option) is { Implicit: false };
            string? resumeDir = original.GetValue(resume);
            if (resumeDir is not null && Given(output)) throw new InputException("--out cannot be combined with --resume: a resumed run continues in its own folder");
            // Validated up front, so that a typo fails at once, also on resume.
            var (_, typed, typedKeep, _) = Checked(original);

            TrainingState? state = null;
            ParseResult parse = original;
            RunFolder folder;
            if (resumeDir is null)
            {
                folder = RunFolder.CreateNew(original.GetValue(output), typedKeep, console.Log);
            }
            else
            {
                folder = RunFolder.OpenExisting(resumeDir);
                try
                {
                    if (folder.HasCheckpoint)
                    {
                        (state, string file) = folder.LoadNewestCheckpoint(console.Log);
                        parse = WithRunSettings(original, state, folder, file, console);
                        // A resumed run keeps its configuration; an option given with a different value is
                        // refused rather than ignored. Only --lr and --epochs may change (a smaller --lr is
                        // the usual answer to a divergence; the run is then no longer bit-identical to one
                        // that never stopped), and the settings that change no result.
                        var fixedOptions = new (Option Option, object? Requested, object? Saved)[]
                        {
                            (latent, original.GetValue(latent), state.Model.LatentSize),
                            (hidden, string.Join(",", ParseSizes(original.GetValue(hidden)!)), string.Join(",", state.Model.HiddenSizes)),
                            (likelihood, Requested(original).Model.Likelihood, state.Model.Likelihood),
                            (estimator, Requested(original).Model.Estimator, state.Model.Estimator),
                            (samples, original.GetValue(samples), state.Model.Samples),
                            (minLogVariance, original.GetValue(minLogVariance), state.Model.MinLogVariance),
                            (optimizer, typed.Optimizer, state.Training.Optimizer),
                            (weightDecay, typed.WeightDecay, state.Training.WeightDecay),
                            (batch, typed.BatchSize, state.Training.BatchSize),
                            (batchParts, typed.BatchParts, state.Training.BatchParts),
                            (seed, typed.Seed, state.Training.Seed),
                            (binarize, typed.Binarization, state.Training.Binarization),
                            (trainLimit, typed.TrainLimit, state.Training.TrainLimit),
                        };
                        foreach (var (option, requested, saved) in fixedOptions)
                            if (Given(option) && !Equals(requested, saved))
                                throw new InputException($"--resume {resumeDir}: {option.Name} {Show(requested)} differs from the run's {Show(saved)}; " +
                                                         "a resumed run keeps its configuration (start a new run with --out to change it)");
                        console.Log($"resuming {resumeDir} from {Path.GetFileName(file)}: epoch {state.Epoch}, step {state.Step}" +
                                    (state.StepInEpoch > 0 ? $" ({state.StepInEpoch} steps into epoch {state.Epoch + 1})" : ""));
                    }
                    else
                    {
                        // Stopped before its first checkpoint: nothing to continue from, so the run starts again
                        // from the beginning with its own configuration (the options given win, as with --config).
                        var config = folder.ReadConfig() ?? throw new InputException(
                            $"--resume {resumeDir}: the run has neither a checkpoint nor a {RunFolder.ConfigFile}, so there is nothing to continue; start it anew with --out {resumeDir}");
                        console.Log($"{resumeDir} has no checkpoint yet (the run stopped before its first one): starting it again from the beginning with its {RunFolder.ConfigFile}");
                        parse = ConfigFile.AddDefaults(original, JsonSerializer.SerializeToElement(config), Path.Combine(resumeDir, RunFolder.ConfigFile), _ => true);
                    }
                }
                catch
                {
                    folder.Dispose();
                    throw;
                }
            }

            using (folder)
            {
                try
                {
                    var (model, training, keep, every) = Checked(parse);
                    if (state is not null)
                    {
                        model = state.Model;
                        training = state.Training with
                        {
                            Epochs = Given(epochs) ? typed.Epochs : state.Training.Epochs,
                            LearningRate = Given(lr) ? typed.LearningRate : state.Training.LearningRate,
                        };
                        training.Validate();
                    }
                    folder.KeepCheckpoints = keep;
                    bool rollBack = parse.GetValue(onDivergence) == "rollback";
                    if (job.Ranks is { } ranks)
                        TrainPlan.Share(ranks, new TrainPlan(model, training, parse.GetValue(shared.Data)!, every, rollBack, state));
                    var data = LoadRunData(parse, state, shared, console, resumeDir, Given(shared.Data));
                    model = model with { InputSize = data.Train.PixelsPerImage };
                    if (state is not null && !state.Model.Equals(model))
                        throw new InputException($"the data has {data.Train.PixelsPerImage} pixels per image, the checkpoint's model expects {state.Model.InputSize}");
                    // Only now that the run will go on: the lines of epochs it runs again go.
                    if (resumeDir is not null) folder.TrimMetrics(state?.Epoch ?? 0, console.Log);
                    using var accelerator = shared.CreateAccelerator(parse, console, job);
                    var loop = new TrainLoop(console, folder, signals)
                    {
                        CheckpointEvery = every,
                        RollBack = rollBack,
                        Ranks = job.Ranks,
                        RunOptions = RunSettings.Of(parse),
                        OnConfiguration = (effective, trainer) =>
                        {
                            folder.WriteConfig(EffectiveConfig.ForTrain(parse, model, effective, accelerator.Name));
                            console.Log($"model {model.Describe()}, {trainer.Layout.Count:N0} parameters; {effective.Optimizer.ToString().ToLowerInvariant()} lr {effective.EffectiveLearningRate}; " +
                                        $"{trainer.StepsPerEpoch} steps of {effective.BatchSize} per epoch; run folder {folder.Path}");
                        },
                    };
                    int code = loop.Run(accelerator, model, training, data, state);
                    // The report (figures, configuration, metrics) is drawn from the final checkpoint; a report
                    // that cannot be written is a warning, never a failed run.
                    if (code == ExitCodes.Success)
                        Figures.RunReport.WriteOrWarn(folder.Path, CheckpointFile.Load(folder.CheckpointPath), data, accelerator, console.Log);
                    return code;
                }
                catch when (resumeDir is null)
                {
                    // A new run that failed before it saved anything (bad data, no device …) leaves nothing behind.
                    folder.DiscardIfNothingSaved();
                    throw;
                }
            }
        });
        return command;
    }

    /// <summary>
    /// A rank other than 0 of a data-parallel run: takes rank 0's plan, loads the same data (from its own data
    /// cache), opens its accelerator (its own GPU of the node) and trains in step with the other ranks.
    /// </summary>
    private static int Follow(ParseResult parse, ParallelJob job, SharedOptions shared, CliConsole console, StopSignals signals)
    {
        var plan = TrainPlan.Share(job.Ranks!, null);
        var data = shared.LoadData(plan.Data, parse, console);
        var model = plan.Model with { InputSize = data.Train.PixelsPerImage };
        using var accelerator = shared.CreateAccelerator(parse, console, job);
        var loop = new TrainLoop(console, null, signals) { CheckpointEvery = plan.CheckpointEvery, RollBack = plan.RollBack, Ranks = job.Ranks };
        return loop.Run(accelerator, model, plan.Training, data, plan.State);
    }

    /// <summary>
    /// The parse with the run's own settings (<see cref="RunSettings"/>: data, checkpointing, divergence policy)
    /// added where the command line does not give them: from the checkpoint, or for a checkpoint that does not
    /// record them (an older format, or one saved by a program embedding the engine), from the run's config.json.
    /// </summary>
    private static ParseResult WithRunSettings(ParseResult parse, TrainingState state, RunFolder folder, string file, CliConsole console)
    {
        if (state.RunOptions.Count > 0)
            return ConfigFile.AddDefaults(parse, JsonSerializer.SerializeToElement(state.RunOptions), $"the run settings in {file}", RunSettings.IsRunSetting);
        var config = folder.ReadConfig();
        if (config is null)
        {
            console.Log($"{Path.GetFileName(file)} records no run settings and the run has no {RunFolder.ConfigFile}: using the options given and the defaults");
            return parse;
        }
        console.Log($"{Path.GetFileName(file)} records no run settings (an older format): taking them from the run's {RunFolder.ConfigFile}");
        return ConfigFile.AddDefaults(parse, JsonSerializer.SerializeToElement(config), Path.Combine(folder.Path, RunFolder.ConfigFile), RunSettings.IsRunSetting);
    }

    /// <summary>
    /// The data of the run: on resume its own (by default the source it recorded), which must have the
    /// content the checkpoint was trained on.
    /// </summary>
    private static Dataset LoadRunData(ParseResult parse, TrainingState? state, SharedOptions shared, CliConsole console, string? resumeDir, bool dataGiven)
    {
        Dataset data;
        try
        {
            data = shared.LoadData(parse, console);
        }
        catch (InputException e) when (state is not null && !dataGiven)
        {
            throw new InputException($"--resume {resumeDir}: the run's data cannot be loaded ({e.Message}); give --data with the same images");
        }
        if (state?.Data is { } trainedOn)
        {
            if (!trainedOn.SameContent(data.Identity))
                throw new InputException($"--resume {resumeDir}: the run was trained on {trainedOn.Describe()}, and {data.Identity.Describe()} is other data; " +
                                         "a resumed run trains on its own data (start a new run with --out to train on this)");
        }
        else if (state is not null)
        {
            console.Log("the checkpoint is of an older format that does not record its data: the data cannot be checked against it");
        }
        return data;
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

using System.CommandLine;
using System.Globalization;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae train`: trains a VAE and writes config.json, metrics.jsonl and model.ckpt to the run folder.</summary>
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
        estimator.AcceptOnlyFromAmong("A", "B", "a", "b");
        var minLogVariance = new Option<float>("--min-log-variance") { Description = "gaussian decoder: floor of the per-pixel log-variance (bounds the density of pixels that never vary)", DefaultValueFactory = _ => -6f };
        var samples = new Option<int>("--samples") { Description = "L: samples of z per datapoint", DefaultValueFactory = _ => 1 };
        var weightDecay = new Option<float>("--weight-decay") { Description = "λ: gradient += λθ (1/N is the paper's N(0, I) prior on the parameters)", DefaultValueFactory = _ => 0f };
        var seed = new Option<ulong>("--seed") { Description = "seed of every random draw", DefaultValueFactory = _ => 1UL };
        var binarize = new Option<string>("--binarize") { Description = "none (grey levels), dynamic (fresh Bernoulli draws each step) or threshold (b ≥ 128)", DefaultValueFactory = _ => "none" };
        binarize.AcceptOnlyFromAmong("none", "dynamic", "threshold");
        var trainLimit = new Option<int?>("--train-limit") { Description = "use only the first N training images" };
        var output = new Option<string?>("--out") { Description = "run folder (default runs/<date-time>); must not already hold a run" };
        var resume = new Option<string?>("--resume") { Description = "continue the run in this folder up to --epochs epochs in total" };

        var command = new Command("train", "Train the VAE (defaults: the paper's MNIST model 784-500-20, Adagrad lr 0.01, minibatch 100, estimator B).")
        {
            latent, hidden, epochs, batch, lr, optimizer, likelihood, estimator, samples, minLogVariance, weightDecay, seed, binarize, trainLimit, output, resume,
        };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);

        command.SetAction(parse =>
        {
            int epochCount = parse.GetValue(epochs);
            TrainingState? state = null;
            ModelConfig model;
            TrainingConfig training;
            RunFolder folder;
            string? resumeDir = parse.GetValue(resume);
            if (resumeDir is not null)
            {
                folder = RunFolder.OpenExisting(resumeDir);
                state = CheckpointFile.Load(folder.CheckpointPath);
                model = state.Model;
                training = state.Training with { Epochs = epochCount };
                training.Validate();
                console.Log($"resuming {resumeDir} at epoch {state.Epoch}, step {state.Step}");
            }
            else
            {
                model = new ModelConfig
                {
                    HiddenSizes = ParseSizes(parse.GetValue(hidden)!),
                    LatentSize = parse.GetValue(latent),
                    Likelihood = parse.GetValue(likelihood) == "gaussian" ? Likelihood.Gaussian : Likelihood.Bernoulli,
                    Estimator = parse.GetValue(estimator)!.Equals("A", StringComparison.OrdinalIgnoreCase) ? KlEstimator.MonteCarlo : KlEstimator.Analytic,
                    Samples = parse.GetValue(samples),
                    MinLogVariance = parse.GetValue(minLogVariance),
                };
                training = new TrainingConfig
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
                    Epochs = epochCount,
                    Seed = parse.GetValue(seed),
                    Binarization = parse.GetValue(binarize) switch
                    {
                        "dynamic" => Binarization.Dynamic,
                        "threshold" => Binarization.Threshold,
                        _ => Binarization.None,
                    },
                    TrainLimit = parse.GetValue(trainLimit),
                };
                // Validate everything the user typed before touching data or devices.
                (model with { InputSize = 1 }).Validate();
                training.Validate();
                folder = RunFolder.CreateNew(parse.GetValue(output));
            }

            var data = shared.LoadData(parse, console);
            model = model with { InputSize = data.Train.PixelsPerImage };
            if (state is not null && !state.Model.Equals(model))
                throw new InputException($"the data has {data.Train.PixelsPerImage} pixels per image, the checkpoint's model expects {state.Model.InputSize}");
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var trainer = new Trainer(accelerator, model, training, data, state);
            folder.WriteConfig(new
            {
                model,
                training,
                data = parse.GetValue(shared.Data),
                accelerator = accelerator.Name,
                engine_version = typeof(Trainer).Assembly.GetName().Version?.ToString(),
            });
            console.Log($"model {model.Describe()}, {trainer.Layout.Count:N0} parameters; {training.Optimizer.ToString().ToLowerInvariant()} lr {training.EffectiveLearningRate}; " +
                        $"{trainer.StepsPerEpoch} steps of {training.BatchSize} per epoch; run folder {folder.Path}");
            var display = new ProgressDisplay(console);
            for (int e = trainer.Epoch + 1; e <= training.Epochs; e++)
            {
                var metrics = display.RunEpoch(e, training.Epochs, trainer.StepsPerEpoch, report => trainer.TrainEpoch(report));
                folder.AppendMetrics(metrics);
                folder.SaveCheckpoint(trainer.CaptureState());
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"epoch {metrics.Epoch}/{training.Epochs}  train ELBO {metrics.TrainElbo:F3}  test ELBO {metrics.TestElbo:F3}  " +
                    $"{metrics.Seconds:F2} s ({metrics.Samples / (double)metrics.Epoch / metrics.Seconds:F0} samples/s)"));
            }
            console.Log($"saved {folder.CheckpointPath}");
            Figures.RunReport.WriteOrWarn(folder.Path, trainer.CaptureState(), data, accelerator, console.Log);
            return ExitCodes.Success;
        });
        return command;
    }

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

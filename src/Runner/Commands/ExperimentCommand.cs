using System.CommandLine;
using System.Globalization;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;
using IlgpuVae.Runner.Experiments;
using IlgpuVae.Runner.Parallel;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae experiment fig2`: the paper's experiments, run end to end with their tables and figures.</summary>
internal static class ExperimentCommand
{
    public static Command Create(CliConsole console, ParallelJob job) => new("experiment", "Run one of the paper's experiments and write its table and figures.") { Fig2(console, job) };

    private static Command Fig2(CliConsole console, ParallelJob job)
    {
        var shared = new SharedOptions();
        var latents = new Option<string>("--latents") { Description = "latent sizes Nz, comma-separated", DefaultValueFactory = _ => "3,5,10,20,200" };
        var budget = new Option<long>("--budget-samples") { Description = "training samples per latent size (rounded up to whole epochs)", DefaultValueFactory = _ => 600_000L };
        var perDecade = new Option<int>("--evals-per-decade") { Description = "evaluation points per factor of ten of training samples", DefaultValueFactory = _ => 4 };
        var trainEval = new Option<int>("--train-eval-images") { Description = "training images the train ELBO is evaluated on", DefaultValueFactory = _ => 10_000 };
        var hidden = new Option<string>("--hidden") { Description = "encoder hidden sizes (the decoder mirrors them)", DefaultValueFactory = _ => "500" };
        var lr = new Option<float>("--lr") { Description = "Adagrad learning rate", DefaultValueFactory = _ => 0.01f };
        var binarize = new Option<string>("--binarize") { Description = "dynamic (the paper's binary MNIST, drawn afresh every step), threshold or none", DefaultValueFactory = _ => "dynamic" };
        binarize.AcceptOnlyFromAmong("none", "dynamic", "threshold");
        var seed = new Option<ulong>("--seed") { Description = "seed of every random draw", DefaultValueFactory = _ => 1UL };
        var output = new Option<string?>("--out") { Description = "output folder (default runs/fig2-<date-time>)" };
        var trainLimit = new Option<int?>("--train-limit") { Description = "use only the first N training images (for quick trials)" };
        var json = JsonOutput.CreateOption();
        var command = new Command("fig2", "The paper's Figure 2: train one model per latent size for the same sample budget; write fig2.md (table) and fig2.png and fig2.svg (learning curves, log axis).")
        {
            latents, budget, perDecade, trainEval, hidden, lr, binarize, seed, output, trainLimit, json,
        };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var sizes = TrainCommand.ParseSizes(parse.GetValue(latents)!);
            long samples = parse.GetValue(budget);
            if (samples < 1) throw new InputException($"--budget-samples must be positive, got {samples}");
            int points = parse.GetValue(perDecade), images = parse.GetValue(trainEval);
            if (points is < 1 or > 100) throw new InputException($"--evals-per-decade must be between 1 and 100, got {points}");
            if (images < 1) throw new InputException($"--train-eval-images must be positive, got {images}");
            var settings = new Fig2Settings
            {
                Latents = sizes,
                BudgetSamples = samples,
                PerDecade = points,
                TrainEvalImages = images,
                Model = new ModelConfig { HiddenSizes = TrainCommand.ParseSizes(parse.GetValue(hidden)!) },
                Training = new TrainingConfig
                {
                    LearningRate = parse.GetValue(lr),
                    Seed = parse.GetValue(seed),
                    Binarization = parse.GetValue(binarize) switch { "none" => Binarization.None, "threshold" => Binarization.Threshold, _ => Binarization.Dynamic },
                },
            };
            foreach (int nz in sizes) (settings.Model with { LatentSize = nz, InputSize = 1 }).Validate();
            settings.Training.Validate();
            string folder = parse.GetValue(output) ?? Path.Combine("runs", "fig2-" + DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
            if (job.IsLeader)
            {
                // The experiment writes fig2.md, fig2.png and a folder per latent size: only into a new or empty folder.
                var kind = PathKinds.Of(folder);
                if (kind is not (PathKind.Missing or PathKind.Directory)) throw new InputException($"--out {folder}: is {PathKinds.Describe(kind)}, not a folder");
                var contents = RunFolderContents.Read(folder);
                if (contents.IsRunFolder) throw new InputException($"--out {folder}: holds a training run; the experiment needs a new or empty folder");
                if (contents.Foreign.Count > 0)
                    throw new InputException($"--out {folder}: the folder is not empty ({contents.DescribeForeign()}); the experiment needs a new or empty folder, so nothing there is overwritten");
                Directory.CreateDirectory(folder);
            }
            if (job.Ranks is { } ranks)
            {
                // Rank 0's folder (its default name has rank 0's clock in it), which every rank writes its models into.
                folder = System.Text.Encoding.UTF8.GetString(RankMessage.FromLeader(ranks, job.IsLeader ? System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(folder)) : null));
                if (!Directory.Exists(folder))
                    throw new InputException($"--out {folder}: rank 0 made this folder, but this rank does not see it; under MPI the experiment's folder must be on a file system every rank sees");
            }
            var data = shared.LoadData(parse, console).WithTrainLimit(parse.GetValue(trainLimit));
            var experiment = new Fig2Experiment(settings, data, () => shared.CreateAccelerator(parse, console, job), console.Log, job.Ranks);
            var rows = new ProgressDisplay(console).Run("experiment fig2", experiment.TotalSteps, "step", progress => experiment.Run(folder, progress));
            if (!job.IsLeader) return ExitCodes.Success;
            if (parse.GetValue(json))
                JsonOutput.Write(console, new { Data = data.Name, Binarize = parse.GetValue(binarize), Folder = Path.GetFullPath(folder), Runs = rows });
            else
                console.Out.Write(Fig2Experiment.Table(rows, data.Name, parse.GetValue(binarize)!));
            console.Log($"wrote {Path.Combine(folder, "fig2.md")}, {Path.Combine(folder, "fig2.png")} and {Path.Combine(folder, "fig2.svg")}");
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Checkpoints;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Runner.Figures;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// The picture commands: `manifold`, `reconstruct`, `sample`, `scatter` (PNG of a saved model),
/// `curves` (learning curves of run folders) and `report` (report.html of a run folder).
/// </summary>
internal static class FigureCommands
{
    /// <summary>All picture commands.</summary>
    public static IEnumerable<Command> Create(CliConsole console) =>
        [Manifold(console), Reconstruct(console), Sample(console), Scatter(console), Curves(console), Report(console)];

    private static Option<string> ModelOption() => new("--model", "-m") { Description = "a checkpoint file, or a run folder holding model.ckpt", Required = true };

    private static Option<string?> OutOption(string name, bool chart = false) =>
        new("--out", "-o") { Description = (chart ? "the file to write: PNG, or SVG when the name ends in .svg" : "the PNG file to write") + $" (default: {name} in the run folder)" };

    private static Command Manifold(CliConsole console)
    {
        var shared = new SharedOptions();
        var model = ModelOption();
        var output = OutOption("manifold.png");
        var grid = new Option<int>("--grid") { Description = "points per side of the latent grid", DefaultValueFactory = _ => 20 };
        var scale = new Option<int>("--scale") { Description = "image pixels per data pixel", DefaultValueFactory = _ => 1 };
        var command = new Command("manifold", "Draw the learned manifold of a model with a 2-D latent space (the paper's Figure 4): decoder means over Φ⁻¹ of a grid on the unit square.")
        {
            model, output, grid, scale,
        };
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var state = Load(parse.GetValue(model)!);
            string target = PictureOutput.ForModel(parse.GetValue(output), parse.GetValue(model)!, "manifold.png");
            int s = Scale(parse.GetValue(scale));
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var vae = new VaeModel(accelerator, state.Model, state.Parameters);
            Save(console, ModelFigures.Manifold(vae, parse.GetValue(grid), s), target);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Reconstruct(CliConsole console)
    {
        var shared = new SharedOptions();
        var model = ModelOption();
        var output = OutOption("reconstructions.png");
        var count = new Option<int>("--count") { Description = "test images to show", DefaultValueFactory = _ => 50 };
        var perRow = new Option<int>("--per-row") { Description = "images per grid row", DefaultValueFactory = _ => 10 };
        var command = new Command("reconstruct", "Draw test images (odd rows) above their reconstructions, the decoder means at the encoder means (even rows).")
        {
            model, output, count, perRow,
        };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var state = Load(parse.GetValue(model)!);
            string target = PictureOutput.ForModel(parse.GetValue(output), parse.GetValue(model)!, "reconstructions.png");
            int n = parse.GetValue(count), row = parse.GetValue(perRow);
            if (n < 1 || n > 10_000) throw new InputException($"--count must be between 1 and 10000, got {n}");
            if (row < 1 || row > 100) throw new InputException($"--per-row must be between 1 and 100, got {row}");
            var data = shared.LoadData(parse, console, state);
            CheckData(state, data.Test.PixelsPerImage);
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var vae = new VaeModel(accelerator, state.Model, state.Parameters);
            Save(console, ModelFigures.Reconstructions(vae, data.Test, n, ModelFigures.PictureInputs(state.Training.Binarization), row), target);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Sample(CliConsole console)
    {
        var shared = new SharedOptions();
        var model = ModelOption();
        var output = OutOption("samples.png");
        var count = new Option<int>("--count") { Description = "samples to draw", DefaultValueFactory = _ => 100 };
        var seed = new Option<ulong>("--seed") { Description = "seed of the prior draws", DefaultValueFactory = _ => 1UL };
        var command = new Command("sample", "Draw samples from the model: decoder means at points z drawn from the prior N(0, I).") { model, output, count, seed };
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var state = Load(parse.GetValue(model)!);
            string target = PictureOutput.ForModel(parse.GetValue(output), parse.GetValue(model)!, "samples.png");
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var vae = new VaeModel(accelerator, state.Model, state.Parameters);
            Save(console, ModelFigures.Samples(vae, parse.GetValue(count), parse.GetValue(seed)), target);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Scatter(CliConsole console)
    {
        var shared = new SharedOptions();
        var model = ModelOption();
        var output = OutOption("latent.png", chart: true);
        var command = new Command("scatter", "Draw the test set's encoder means in a 2-D latent space, coloured by label.") { model, output };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var state = Load(parse.GetValue(model)!);
            string target = PictureOutput.ForModel(parse.GetValue(output), parse.GetValue(model)!, "latent.png");
            var data = shared.LoadData(parse, console, state);
            CheckData(state, data.Test.PixelsPerImage);
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var vae = new VaeModel(accelerator, state.Model, state.Parameters);
            Save(console, ModelFigures.LatentScatter(vae, data.Test, data.TestLabels, data.Name, ModelFigures.PictureInputs(state.Training.Binarization)), target);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Curves(CliConsole console)
    {
        var runs = new Argument<string[]>("runs") { Description = "run folders (curve.jsonl or metrics.jsonl in each)", Arity = ArgumentArity.OneOrMore };
        var output = OutOption("curves.png", chart: true);
        var title = new Option<string>("--title") { Description = "the plot's title", DefaultValueFactory = _ => "Learning curves" };
        var command = new Command("curves", "Plot train and test ELBO against training samples evaluated (log axis) for one or more runs, one colour each.") { runs, output, title };
        command.SetAction(parse =>
        {
            var folders = parse.GetValue(runs)!;
            foreach (string folder in folders) CheckRunFiles(folder);
            string target = PictureOutput.ForRuns(parse.GetValue(output), folders, "curves.png");
            var series = folders.Select(r => (Label(r), LearningCurve.Read(r))).ToList();
            Save(console, LearningCurveChart.Draw(parse.GetValue(title)!, series), target);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Report(CliConsole console)
    {
        var shared = new SharedOptions();
        var run = new Option<string>("--run") { Description = "the run folder", Required = true };
        var command = new Command("report", "Write report.html (and its figures in figures/: charts as SVG, image grids as PNG) in a run folder: learning curve, samples, reconstructions, manifold, latent scatter, metrics and configuration.") { run };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(run)!;
            CheckRunFiles(folder);
            var state = Load(folder);
            var data = shared.LoadData(parse, console, state);
            CheckData(state, data.Test.PixelsPerImage);
            using var accelerator = shared.CreateAccelerator(parse, console);
            console.Log($"wrote {RunReport.Write(folder, state, data, accelerator)}");
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A run's legend label: "Nz = 20" from its checkpoint, else the folder name.</summary>
    private static string Label(string runFolder)
    {
        string checkpoint = Path.Combine(runFolder, RunFolder.CheckpointFileName);
        if (File.Exists(checkpoint)) return $"Nz = {CheckpointFile.Load(checkpoint).Model.LatentSize}";
        return Path.GetFileName(Path.GetFullPath(runFolder).TrimEnd('/'));
    }

    private static TrainingState Load(string path) => RunFolder.LoadModel(path, _ => { }).State;

    /// <summary>
    /// A run folder to read: a folder, whose curve, metrics and configuration files (where present) are regular
    /// files, and whose metrics lines are records (<see cref="MetricsFile.Check"/>); a named pipe there would
    /// hang the reading, a malformed line would be misread.
    /// </summary>
    private static void CheckRunFiles(string folder)
    {
        var kind = PathKinds.Of(folder);
        if (kind == PathKind.Missing) throw new InputException($"{folder}: no such run folder");
        if (kind != PathKind.Directory) throw new InputException($"{folder}: is {PathKinds.Describe(kind)}, not a run folder");
        foreach (string name in new[] { LearningCurve.CurveFile, RunFolder.ConfigFile })
        {
            string file = Path.Combine(folder, name);
            if (PathKinds.Of(file) != PathKind.Missing) InputFile.Require(file, "file");
        }
        MetricsFile.Check(Path.Combine(folder, RunFolder.MetricsFile));
    }

    private static void CheckData(TrainingState state, int pixels)
    {
        if (pixels != state.Model.InputSize)
            throw new InputException($"the data has {pixels} pixels per image but the model expects {state.Model.InputSize}");
    }

    private static int Scale(int scale) =>
        scale is >= 1 and <= 16 ? scale : throw new InputException($"--scale must be between 1 and 16, got {scale}");

    /// <summary>
    /// Writes <paramref name="figure"/> to <paramref name="path"/> and disposes it: a chart as SVG when the name ends
    /// in .svg, otherwise (and always for an image grid, whose pixels are the data) as PNG.
    /// </summary>
    private static void Save(CliConsole console, IFigure figure, string path)
    {
        using (figure)
        {
            bool svg = path.EndsWith(".svg", StringComparison.OrdinalIgnoreCase);
            var kind = PathKinds.Of(path);
            if (kind is not (PathKind.Missing or PathKind.RegularFile)) throw new InputException($"--out {path}: is {PathKinds.Describe(kind)}, not {(svg ? "an SVG" : "a PNG")} file");
            if (svg && figure is not Chart) throw new InputException($"{path}: this picture is a grid of images and is written as PNG; give --out a name ending in .png");
            string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
            if (folder is not null) Directory.CreateDirectory(folder);
            if (svg) File.WriteAllText(path, ((Chart)figure).ToSvg(), new System.Text.UTF8Encoding(false));
            else File.WriteAllBytes(path, figure.ToPng());
            console.Log($"wrote {path} ({figure.Width}×{figure.Height})");
        }
    }
}

using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Data;
using IlgpuVae.Engine.Model;
using IlgpuVae.Engine.Training;
using IlgpuVae.Kernels;

namespace IlgpuVae.Runner;

/// <summary>
/// The config.json a training run writes to its folder: every option of `train` with the value the run
/// used, keyed as <see cref="ConfigFile"/> reads them, so <c>ilgpuvae train --config RUN/config.json --out NEW</c>
/// repeats the run. Option values come from the parsed command line (with a resumed run's settings from
/// its checkpoint) and the model and training values from the configurations in effect — the learning rate
/// resolved, for example. The folder-specific options (--out, --resume) are left out, data folders are
/// written as absolute paths, and facts about the run that are not options go under keys starting with
/// <c>_</c>, which --config ignores.
/// </summary>
internal static class EffectiveConfig
{
    private static readonly HashSet<string> FolderOptions = ["out", "resume", "config"];

    /// <summary>The config of a `train` run.</summary>
    public static JsonObject ForTrain(ParseResult parse, ModelConfig model, TrainingConfig training, string acceleratorName)
    {
        var config = new JsonObject();
        foreach (var option in parse.CommandResult.Command.Options)
        {
            string key = option.Name.TrimStart('-');
            if (option is System.CommandLine.Help.HelpOption || FolderOptions.Contains(key)) continue;
            object? value = parse.GetResult(option) is { } result ? result.GetValueOrDefault<object?>() : null;
            if (value is not null) config[Key(key)] = JsonSerializer.SerializeToNode(value);
        }
        config["latent"] = model.LatentSize;
        config["hidden"] = new JsonArray([.. model.HiddenSizes.Select(h => JsonValue.Create(h))]);
        config["likelihood"] = model.Likelihood == Likelihood.Gaussian ? "gaussian" : "bernoulli";
        config["estimator"] = model.Estimator == KlEstimator.MonteCarlo ? "A" : "B";
        config["samples"] = model.Samples;
        config["min_log_variance"] = model.MinLogVariance;
        config["epochs"] = training.Epochs;
        config["batch_size"] = training.BatchSize;
        config["batch_parts"] = training.BatchParts;
        config["lr"] = training.EffectiveLearningRate;
        config["optimizer"] = training.Optimizer switch
        {
            OptimizerKind.RmsProp => "rmsprop",
            OptimizerKind.Adam => "adam",
            OptimizerKind.SgdMomentum => "sgd",
            _ => "adagrad",
        };
        config["weight_decay"] = training.WeightDecay;
        config["seed"] = training.Seed;
        config["binarize"] = training.Binarization.ToString().ToLowerInvariant();
        if (training.TrainLimit is int limit) config["train_limit"] = limit;
        else config.Remove("train_limit");
        foreach (string folder in new[] { "data", "data_dir" })
            if (config[folder]?.GetValue<string>() is string path && RunSettings.IsFolder(path))
                config[folder] = Path.GetFullPath(path);
        // In the order of `ilgpuvae train --help`, then the facts.
        var order = parse.CommandResult.Command.Options.Select(o => Key(o.Name.TrimStart('-'))).ToList();
        var ordered = new JsonObject();
        foreach (var (key, value) in config.OrderBy(p => order.IndexOf(p.Key) is var i and >= 0 ? i : int.MaxValue).ToList())
        {
            config.Remove(key);
            ordered[key] = value;
        }
        ordered["_accelerator"] = acceleratorName;
        ordered["_input_size"] = model.InputSize;
        ordered["_engine_version"] = EngineVersion.Text;
        return ordered;
    }

    private static string Key(string optionName) => optionName.Replace('-', '_');
}

using System.CommandLine;
using System.Globalization;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Model;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae eval --model PATH`: the test ELBO of a saved model.</summary>
internal static class EvalCommand
{
    public static Command Create(CliConsole console)
    {
        var shared = new SharedOptions();
        var model = new Option<string>("--model", "-m") { Description = "a checkpoint file, or a run folder (its newest valid checkpoint)", Required = true };
        var samples = new Option<int>("--samples") { Description = "K: importance samples per datapoint for the log p(x) estimate (0: ELBO only)", DefaultValueFactory = _ => 5000 };
        var testLimit = new Option<int?>("--test-limit") { Description = "evaluate only the first N test images (K = 5000 costs about 4 GFLOP per image)" };
        var json = JsonOutput.CreateOption();
        var command = new Command("eval", "Print the test-set ELBO and the importance-sampled log p(x) per datapoint (nats) of a saved model.") { model, samples, testLimit, json };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var (state, checkpoint) = RunFolder.LoadModel(parse.GetValue(model)!, console.Log);
            var data = shared.LoadData(parse, console, state);
            int k = parse.GetValue(samples);
            if (k < 0) throw new InputException($"--samples must be 0 (no estimate) or positive, got {k}");
            var test = parse.GetValue(testLimit) is int limit ? (limit >= 1 ? data.Test.Take(limit) : throw new InputException($"--test-limit must be positive, got {limit}")) : data.Test;
            if (data.Test.PixelsPerImage != state.Model.InputSize)
                throw new InputException($"the data has {data.Test.PixelsPerImage} pixels per image but the model expects {state.Model.InputSize}");
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var vae = new VaeModel(accelerator, state.Model, state.Parameters);
            double elbo = vae.MeanElbo(test, state.Training.Seed, state.Training.Binarization, state.Training.EvalBatchSize);
            bool asJson = parse.GetValue(json);
            if (!asJson)
                console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test ELBO {elbo:F4} nats per datapoint ({test.Count} images, model {state.Model.Describe()}, epoch {state.Epoch})"));
            double? logLikelihood = k > 0 ? MarginalLikelihoodReport.Print(console, accelerator, state, test, k, print: !asJson).MeanLogLikelihood : null;
            if (asJson)
            {
                JsonOutput.Write(console, new
                {
                    Model = Path.GetFullPath(checkpoint), Architecture = state.Model.Describe(), state.Epoch, state.Step,
                    Data = data.Name, Images = test.Count, TestElbo = elbo, TestLogLikelihood = logLikelihood,
                    ImportanceSamples = k, Accelerator = accelerator.Name,
                });
            }
            return ExitCodes.Success;
        });
        return command;
    }
}

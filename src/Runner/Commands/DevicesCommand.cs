using System.CommandLine;
using IlgpuVae.Engine.Accelerators;

namespace IlgpuVae.Runner.Commands;

/// <summary>`ilgpuvae devices`: every accelerator this build knows, and why each unusable one is unusable.</summary>
internal static class DevicesCommand
{
    public static Command Create(CliConsole console)
    {
        var json = JsonOutput.CreateOption();
        var command = new Command("devices", "List the accelerators (CUDA, OpenCL, CPU) and, for each one that cannot be used here, why.") { json };
        command.SetAction(parse =>
        {
            if (parse.GetValue(json))
            {
                JsonOutput.Write(console, new
                {
                    Devices = AcceleratorFactory.ListDevices().Select(d => new
                    {
                        Kind = AcceleratorFactory.NameOf(d.Kind), d.Index, d.Name, d.Usable, d.Reason, Details = TypedDetails.Of(d.Details),
                    }),
                });
                return ExitCodes.Success;
            }
            foreach (var d in AcceleratorFactory.ListDevices())
            {
                string kind = AcceleratorFactory.NameOf(d.Kind);
                string status = d.Usable ? "usable" : $"not usable: {d.Reason}";
                console.Out.WriteLine($"{kind,-7} {d.Index,2}  {d.Name}  [{status}]");
                foreach (var (key, value) in d.Details) console.Out.WriteLine($"            {key}: {value}");
            }
            return ExitCodes.Success;
        });
        return command;
    }
}

using System.CommandLine;
using IlgpuVae.Kernels;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// `ilgpuvae kernels-source --dialect cuda|opencl`: prints the device program exactly as the accelerators
/// compile it, for scripts/check-cuda-dialect.sh and for reading compiler messages (which name its lines).
/// </summary>
internal static class KernelsSourceCommand
{
    public static Command Create(CliConsole console)
    {
        var dialect = new Option<string>("--dialect") { Description = "opencl or cuda", DefaultValueFactory = _ => "opencl" };
        dialect.AcceptOnlyFromAmong("opencl", "cuda");
        var command = new Command("kernels-source", "Print the device program (prelude, geometry, headers and kernels) exactly as the OpenCL or CUDA accelerator compiles it; compiler messages name its lines.")
        {
            dialect,
        };
        command.SetAction(parse =>
        {
            var which = parse.GetValue(dialect) == "cuda" ? DeviceDialect.Cuda : DeviceDialect.OpenCl;
            console.Out.Write(DeviceSources.Build(which));
            return ExitCodes.Success;
        });
        return command;
    }
}

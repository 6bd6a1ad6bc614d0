using System.CommandLine;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using IlgpuVae.Engine.Accelerators.Ilgpu.Exact;
using IlgpuVae.Kernels.Device;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// `ilgpuvae kernels-source --target ptx|opencl --out DIR`: writes the code ILGPU generates for every device
/// kernel, one file per kernel (DIR/NAME.ptx or DIR/NAME.cl), and runs the engine's exactness check on each.
/// PTX needs no GPU (ptxas can assemble the files: tests/Device/PtxAssemblerTests); OpenCL C is generated for an
/// OpenCL device (--device) with the engine's prelude in front. The files are the way to read what a kernel
/// becomes. Exits 4 when a kernel fails the check (its file is still written).
/// </summary>
internal static class KernelsSourceCommand
{
    /// <summary>The architectures the PTX check covers: A100 (sm_80) and H100/H200 (sm_90).</summary>
    private static readonly Dictionary<string, CudaArchitecture> Architectures = new()
    {
        ["sm_80"] = CudaArchitecture.SM_80,
        ["sm_90"] = CudaArchitecture.SM_90,
    };

    public static Command Create(CliConsole console)
    {
        var target = new Option<string>("--target") { Description = "ptx or opencl", DefaultValueFactory = _ => "ptx" };
        target.AcceptOnlyFromAmong("ptx", "opencl");
        var arch = new Option<string>("--arch") { Description = "PTX: sm_80 or sm_90", DefaultValueFactory = _ => "sm_90" };
        arch.AcceptOnlyFromAmong([.. Architectures.Keys]);
        var isa = new Option<string>("--ptx-isa")
        {
            Description = "PTX: the ISA version, e.g. 7.8 (what ptxas of CUDA 11.8 accepts) or 8.3",
            DefaultValueFactory = _ => "7.8",
        };
        var device = new Option<int>("--device") { Description = "OpenCL: the device index (see `ilgpuvae devices`)", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "folder for the files (created)", Required = true };
        var command = new Command("kernels-source", "Write the PTX or OpenCL C of every device kernel, checked for exactness.")
            { target, arch, isa, device, output };
        command.SetAction(parse =>
        {
            string folder = parse.GetValue(output)!;
            if (folder.Length == 0) throw new Engine.InputException("--out must name a folder");
            Directory.CreateDirectory(folder);
            int failed = parse.GetValue(target) == "ptx"
                ? WritePtx(console, folder, Architectures[parse.GetValue(arch)!], ParseIsa(parse.GetValue(isa)!))
                : WriteOpenCl(console, folder, parse.GetValue(device));
            console.Log($"{DeviceKernelCatalog.All.Count} kernels written to {folder}; {failed} failed the exactness check");
            return failed == 0 ? ExitCodes.Success : ExitCodes.AcceleratorFailure;
        });
        return command;
    }

    private static int WritePtx(CliConsole console, string folder, CudaArchitecture architecture, CudaInstructionSet isa)
    {
        using var context = ExactCompilation.CreateContext(_ => { });
        return Write(console, folder, ".ptx", method => ExactCompilation.CompilePtx(context, method, architecture, isa));
    }

    private static int WriteOpenCl(CliConsole console, string folder, int index)
    {
        using var context = ExactCompilation.CreateContext(b => b.OpenCL(_ => true));
        var devices = context.GetCLDevices();
        if (index < 0 || index >= devices.Count)
            throw new Engine.Accelerators.AcceleratorUnavailableException($"OpenCL device {index} does not exist ({devices.Count} found); see `ilgpuvae devices`");
        bool generic = OpenClExactBuild.OpenWithoutGenericAddressSpace(devices[index]);
        using var accelerator = devices[index].CreateCLAccelerator(context);
        return Write(console, folder, ".cl", method => ExactCompilation.CompileOpenCl(accelerator, method, generic));
    }

    private static int Write(CliConsole console, string folder, string extension, Func<System.Reflection.MethodInfo, (string, IReadOnlyList<string>)> compile)
    {
        int failed = 0;
        foreach (var (name, method) in DeviceKernelCatalog.All)
        {
            var (code, problems) = compile(method);
            File.WriteAllText(Path.Combine(folder, name + extension), code);
            if (problems.Count == 0) continue;
            failed++;
            foreach (var problem in problems) console.Error.WriteLine($"ilgpuvae: {name}: {problem}");
        }
        return failed;
    }

    private static CudaInstructionSet ParseIsa(string text)
    {
        var parts = text.Split('.');
        if (parts.Length == 2 && int.TryParse(parts[0], out int major) && int.TryParse(parts[1], out int minor)
            && major is >= 6 and <= 9 && minor is >= 0 and <= 9)
            return new CudaInstructionSet(major, minor);
        throw new Engine.InputException($"--ptx-isa must be a PTX ISA version such as 7.8 or 8.3, got '{text}'");
    }
}

using System.CommandLine;
using System.Globalization;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Accelerators.Cpu;
using IlgpuVae.Engine.Verification;

namespace IlgpuVae.Runner.Commands;

/// <summary>
/// `ilgpuvae verify`: runs every kernel, and two short trainings, on the CPU and on a device
/// accelerator and compares the results bit for bit. Prints one table row per check and exits 0 only
/// when every value is identical (<see cref="ExitCodes.VerifyMismatch"/> otherwise).
/// </summary>
internal static class VerifyCommand
{
    /// <summary>The command; <paramref name="substituteTarget"/>, when given, is checked instead of the accelerator --accelerator names (for the tests).</summary>
    public static Command Create(CliConsole console, Func<Accelerator>? substituteTarget = null)
    {
        var accelerator = new Option<string>("--accelerator", "-a")
        {
            Description = "the accelerator to check against the CPU: auto (the first usable CUDA, then OpenCL device), opencl, cuda, or cpu (the CPU with --threads threads, default 1, against all cores)",
            DefaultValueFactory = _ => "auto",
        };
        var device = new Option<int?>("--device") { Description = "device index within the accelerator family (see `ilgpuvae devices`)" };
        var threads = new Option<int?>("--threads") { Description = "threads of the CPU reference (results do not depend on it)" };
        var skipTraining = new Option<bool>("--skip-training") { Description = "check the kernels only, not the two short training runs" };
        var json = JsonOutput.CreateOption();
        var command = new Command("verify", "Check bit for bit that an accelerator computes exactly what the CPU computes: every kernel on random and edge-case inputs, and whole training steps.")
        {
            accelerator, device, threads, skipTraining, json,
        };
        command.SetAction(parse =>
        {
            int? threadCount = parse.GetValue(threads);
            if (threadCount is < 1) throw new Engine.InputException($"--threads must be at least 1, got {threadCount}");
            using var target = substituteTarget?.Invoke() ?? CreateTarget(parse.GetValue(accelerator) ?? "auto", parse.GetValue(device), threadCount);
            using var reference = new CpuAccelerator(target.Kind == AcceleratorKind.Cpu ? null : threadCount);
            console.Log($"checking {target.Name} against {reference.Name}");

            var output = console.Out;
            int done = 0;
            bool asJson = parse.GetValue(json);
            bool includeTraining = !parse.GetValue(skipTraining);
            if (!asJson) output.WriteLine($"{"check",-34} {"elements",10}  result");
            var verifier = new Verifier(reference, target);
            var report = new ProgressDisplay(console).Run("verify", Verifier.CheckCount(includeTraining), "check", progress =>
                verifier.Run(includeTraining, r =>
                {
                    if (!asJson) console.WriteResult(string.Create(CultureInfo.InvariantCulture, $"{r.Name,-34} {r.ElementsCompared,10}  {r.Summary}"));
                    progress(++done, r.Name);
                }));

            var bad = report.Results.Where(r => !r.Identical).ToList();
            if (asJson)
            {
                JsonOutput.Write(console, new
                {
                    report.Reference, report.Target, Identical = bad.Count == 0, report.ElementsCompared, Checks = report.Results,
                });
                return bad.Count == 0 ? ExitCodes.Success : ExitCodes.VerifyMismatch;
            }
            if (bad.Count == 0)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"all {report.Results.Count} checks identical ({report.ElementsCompared} values compared)"));
                return ExitCodes.Success;
            }
            output.WriteLine($"{bad.Count} of {report.Results.Count} checks differ:");
            foreach (var r in bad) output.WriteLine("  " + r.Describe());
            return ExitCodes.VerifyMismatch;
        });
        return command;
    }

    /// <summary>The accelerator to check; `auto` takes the first usable CUDA, then OpenCL device of any type.</summary>
    private static Accelerator CreateTarget(string text, int? device, int? threads)
    {
        var kind = AcceleratorFactory.ParseKind(text);
        if (kind == AcceleratorKind.Cpu)
        {
            if (device is > 0) throw new AcceleratorUnavailableException($"the CPU accelerator has one device (0), not {device}");
            return new CpuAccelerator(threads ?? 1);
        }
        if (kind is not null) return AcceleratorFactory.Create(kind, device);
        foreach (var provider in AcceleratorFactory.Providers.Where(p => p.Kind != AcceleratorKind.Cpu))
        {
            var usable = provider.Probe().FirstOrDefault(d => d.Usable && (device is null || d.Index == device));
            if (usable is not null) return provider.Create(usable.Index, new AcceleratorOptions());
        }
        throw new AcceleratorUnavailableException("no usable CUDA or OpenCL device to verify (see `ilgpuvae devices`); name one with --accelerator");
    }
}

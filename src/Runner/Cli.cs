using System.CommandLine;
using IlgpuVae.Engine;
using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Engine.Distributed;
using IlgpuVae.Engine.Distributed.Mpi;
using IlgpuVae.Engine.Files;
using IlgpuVae.Engine.Training;
using IlgpuVae.Runner.Commands;
using IlgpuVae.Runner.Parallel;

namespace IlgpuVae.Runner;

/// <summary>
/// The `ilgpuvae` command line: parses, runs one command, and turns every failure into one line on
/// stderr and a documented exit code (<see cref="ExitCodes"/>) — never a stack trace for bad input.
/// </summary>
public static class Cli
{
    /// <summary>Runs <paramref name="args"/>; <paramref name="interactive"/> enables the progress bar.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool interactive = false) =>
        Run(args, new CliConsole(stdout, stderr, interactive));

    /// <summary>
    /// Runs <paramref name="args"/> writing to <paramref name="console"/>. The tests set the console's progress
    /// interval, and may hand `verify` the accelerator to check (<paramref name="verifyTarget"/>) instead of
    /// the one --accelerator names.
    /// </summary>
    internal static int Run(string[] args, CliConsole console, Func<Accelerator>? verifyTarget = null)
    {
        TextWriter stdout = console.Out, stderr = console.Error;
        // Started by an MPI launcher? Then every process of the job runs this, and what all would print alike
        // (a parse error, a missing library) is printed by the launcher's first process only.
        var launch = MpiLaunch.Detect(Environment.GetEnvironmentVariable);
        if (launch is { IsParallel: true, IsFirst: false }) stderr = TextWriter.Null;
        // First of all, so that a signal at any moment of any command ends it with 130 and one line.
        using var signals = new StopSignals(console.Log, stderr.WriteLine);
        using var job = new ParallelJob();
        var scripting = new ScriptingOptions();
        var root = CreateRoot(console, scripting, signals, verifyTarget, job);
        ParseResult parse = root.Parse(args, CommandLineRules.Parser);
        if (parse.Errors.Count == 0)
        {
            try { parse = ConfigFile.Apply(parse, scripting.Config); }
            catch (InputException e) { return Report(e, stderr); }
            console.Quiet = parse.GetValue(scripting.Quiet);
        }
        if (parse.Errors.Count > 0)
        {
            // An unrecognized word explains more than the "command was not provided" that follows from it.
            var error = parse.Errors.FirstOrDefault(e => e.Message.Contains("Unrecognized")) ?? parse.Errors[0];
            stderr.WriteLine($"ilgpuvae: {OneLine(error.Message)} (see `ilgpuvae {CommandPath(parse)}--help`)");
            return ExitCodes.BadInput;
        }
        bool helpOrVersion = parse.CommandResult.Command is RootCommand || parse.Tokens.Any(t => t.Value is "-h" or "--help" or "-?");
        if (launch is { IsParallel: true } && !helpOrVersion)
        {
            string command = CommandPath(parse).Trim();
            if (command is not ("train" or "fig2"))
            {
                stderr.WriteLine($"ilgpuvae: `ilgpuvae {command}` runs as one process; under mpiexec or srun only `train` (data-parallel) and `experiment fig2` (its models spread over the ranks) run, so start it without a launcher");
                return ExitCodes.BadInput;
            }
            try
            {
                job.Join(launch, Environment.GetEnvironmentVariable);
            }
            catch (MpiUnavailableException e)
            {
                stderr.WriteLine($"ilgpuvae: {OneLine(e.Message)}");
                return ExitCodes.MpiFailure;
            }
            if (job.Ranks is { } ranks)
            {
                // The other ranks print only their own failures, each line naming the rank.
                if (ranks.Rank > 0) console.Quiet = true;
                else console.Log($"MPI: {ranks.Size} ranks, {job.LocalSize} on this node; {job.Library}");
                stderr = console.Error;
            }
        }
        int code;
        try
        {
            code = parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e)
        {
            code = job.Ranks is { Rank: > 0 } ranks ? ReportOnRank(e, stderr, ranks) : Report(e, stderr);
        }
        return job.Finish(code);
    }

    /// <summary>
    /// A failure on a rank other than 0: its own (a device, its data) is reported on one line naming the rank; one
    /// that every rank meets alike (<see cref="SameOnEveryRank"/>) is left to rank 0 to report, and
    /// this rank waits a while for rank 0 to end the job before it ends it itself.
    /// </summary>
    private static int ReportOnRank(Exception e, TextWriter stderr, ICommunicator ranks)
    {
        if (SameOnEveryRank.Holds(e))
        {
            int code = Report(e, TextWriter.Null);
            Thread.Sleep(TimeSpan.FromSeconds(20));
            return code;
        }
        var text = new StringWriter();
        int exit = Report(e, text);
        foreach (string line in text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
            stderr.WriteLine(line.StartsWith("ilgpuvae: ", StringComparison.Ordinal) ? $"ilgpuvae: rank {ranks.Rank} of {ranks.Size}: {line["ilgpuvae: ".Length..]}" : line);
        return exit;
    }

    /// <summary>
    /// Every command of `ilgpuvae`, with the options all of them take and the rules every value follows
    /// (<see cref="CommandLineRules"/>). <paramref name="signals"/> is what `train` saves and stops on (null:
    /// signals of this process, for listing the commands only).
    /// </summary>
    internal static RootCommand CreateRoot(CliConsole console, ScriptingOptions scripting, StopSignals? signals = null, Func<Accelerator>? verifyTarget = null,
        ParallelJob? job = null)
    {
        job ??= new ParallelJob();
        var root = new RootCommand("IlgpuVae: trains the Variational Autoencoder of Kingma & Welling (AEVB) with its own deterministic kernels on CUDA, OpenCL or the CPU.")
        {
            TrainCommand.Create(console, signals ?? new StopSignals(_ => { }, _ => { }, register: false), job),
            EvalCommand.Create(console),
            DevicesCommand.Create(console),
            DataCommand.Create(console),
            BenchCommand.Create(console),
            VerifyCommand.Create(console, verifyTarget),
            KernelsSourceCommand.Create(console),
        };
        foreach (var command in FigureCommands.Create(console)) root.Subcommands.Add(command);
        root.Subcommands.Add(ExperimentCommand.Create(console, job));
        scripting.AddTo(root);
        EngineVersion.Use(root);
        CommandLineRules.Apply(root);
        return root;
    }

    /// <summary>Maps an exception to its one-line message and exit code.</summary>
    internal static int Report(Exception e, TextWriter stderr)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        switch (e)
        {
            case InputException:
                stderr.WriteLine($"ilgpuvae: {OneLine(e.Message)}");
                return ExitCodes.BadInput;
            case TrainingDivergedException:
                stderr.WriteLine($"ilgpuvae: {OneLine(e.Message)}");
                return ExitCodes.Diverged;
            case AcceleratorUnavailableException:
                stderr.WriteLine($"ilgpuvae: {OneLine(e.Message)}");
                return ExitCodes.AcceleratorFailure;
            case MpiUnavailableException or RanksDisagreeException:
                stderr.WriteLine($"ilgpuvae: {OneLine(e.Message)}");
                return ExitCodes.MpiFailure;
            case AcceleratorFailureException or ILGPU.Runtime.AcceleratorException:
                // A failed launch, compile or copy on a device the engine could open: the device or its
                // driver is at fault, not the input. Every accelerator gives the same bits, so another
                // one (and --resume from the last checkpoint) is a safe way on.
                stderr.WriteLine($"ilgpuvae: accelerator failure: {OneLine(e.Message)}; try another --device or --accelerator cpu (same results), and `ilgpuvae devices`");
                return ExitCodes.AcceleratorFailure;
            case OperationCanceledException:
                stderr.WriteLine("ilgpuvae: interrupted");
                return ExitCodes.Interrupted;
            case IOException when DiskFault.Describe(e) is string fault:
                // A message that already says what happened (training adds what is kept and how to go on) is
                // printed as it is; a bare one from the runtime gets the fault named first.
                stderr.WriteLine(e.Message.Contains(fault, StringComparison.Ordinal)
                    ? $"ilgpuvae: {OneLine(e.Message)}"
                    : $"ilgpuvae: {fault}: {OneLine(e.Message)}; what was saved before is kept; free space or fix the disk, then run the command again");
                return ExitCodes.StorageFailure;
            case IOException when DiskFault.IsReadOnlyFileSystem(e):
                stderr.WriteLine($"ilgpuvae: read-only file system: {OneLine(e.Message)}; write to another folder");
                return ExitCodes.BadInput;
            case IOException or UnauthorizedAccessException:
                stderr.WriteLine($"ilgpuvae: {OneLine(e.Message)}");
                return ExitCodes.BadInput;
            case OutOfMemoryException:
                stderr.WriteLine($"ilgpuvae: out of memory ({e.Message}); try a smaller --batch-size or model");
                return ExitCodes.AcceleratorFailure;
            default:
                stderr.WriteLine($"ilgpuvae: internal error: {e.GetType().Name}: {e.Message}");
                if (Environment.GetEnvironmentVariable("ILGPUVAE_DEBUG") == "1") stderr.WriteLine(e);
                else stderr.WriteLine("ilgpuvae: set ILGPUVAE_DEBUG=1 for the stack trace, and please report it");
                return ExitCodes.InternalError;
        }
    }

    /// <summary>Folds a message onto one line (parser messages list choices on separate lines).</summary>
    internal static string OneLine(string message) =>
        string.Join(' ', message.Split(['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    private static string CommandPath(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        return command is RootCommand ? "" : command.Name + " ";
    }
}

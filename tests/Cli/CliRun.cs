using IlgpuVae.Engine.Accelerators;
using IlgpuVae.Runner;

namespace IlgpuVae.Tests.CommandLine;

/// <summary>Runs the command line in process and captures what it printed.</summary>
internal static class CliRun
{
    /// <summary>The exit code, stdout and stderr of `ilgpuvae <paramref name="args"/>`.</summary>
    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = Cli.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>
    /// As <see cref="Run"/>, but writing a progress log line at every report (as a batch job sees one every
    /// 10 s), and with `verify` checking <paramref name="verifyTarget"/> when it is given.
    /// </summary>
    public static (int Code, string Out, string Err) RunLogged(Func<Accelerator>? verifyTarget, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var console = new CliConsole(stdout, stderr, Interactive: false) { ProgressInterval = TimeSpan.Zero };
        int code = Cli.Run(args, console, verifyTarget);
        return (code, stdout.ToString(), stderr.ToString());
    }
}

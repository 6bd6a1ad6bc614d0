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
}

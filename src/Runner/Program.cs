namespace IlgpuVae.Runner;

/// <summary>Entry point of the ilgpuvae command.</summary>
public static class Program
{
    /// <summary>Runs the command line and returns the exit code.</summary>
    public static int Main(string[] args) =>
        Cli.Run(args, new CliConsole(Console.Out, Console.Error, Interactive: !Console.IsErrorRedirected) { OutIsTerminal = !Console.IsOutputRedirected });
}

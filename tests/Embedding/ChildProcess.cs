using System.Diagnostics;
using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// Runs a program built beside the tests (the ilgpuvae runner, the embedding example) as a child
/// process, the way a script or a batch scheduler would: through the same dotnet host that runs the
/// tests, or through the program's own launcher when the tests run from theirs.
/// </summary>
internal static class ChildProcess
{
    /// <summary>Exit code and both output streams of a finished child.</summary>
    public sealed record Result(int ExitCode, string Out, string Err)
    {
        public override string ToString() => $"exit code {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
    }

    /// <summary>
    /// Starts <paramref name="assembly"/> (a file name without extension, beside the tests) with
    /// <paramref name="args"/>; the test is ignored when no way to start it exists here.
    /// </summary>
    public static Process Start(string assembly, IEnumerable<string> args, IDictionary<string, string?>? environment = null)
    {
        string dir = AppContext.BaseDirectory;
        string dll = Path.Combine(dir, assembly + ".dll");
        string launcher = Path.Combine(dir, assembly);
        string? host = Environment.ProcessPath;
        ProcessStartInfo start;
        if (host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" && File.Exists(dll))
        {
            start = new ProcessStartInfo(host);
            start.ArgumentList.Add(dll);
        }
        else if (File.Exists(launcher))
        {
            start = new ProcessStartInfo(launcher);
        }
        else
        {
            Assert.Ignore($"cannot start {assembly}: no dotnet host and no launcher at {launcher}");
            throw new InvalidOperationException(); // not reached: Ignore throws
        }
        foreach (string a in args) start.ArgumentList.Add(a);
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        if (environment is not null)
            foreach (var (key, value) in environment) start.Environment[key] = value;
        return Process.Start(start) ?? throw new InvalidOperationException($"{assembly} did not start");
    }

    /// <summary>Waits for <paramref name="process"/>, killing it (and failing the test) after <paramref name="timeout"/>.</summary>
    public static Result Wait(Process process, TimeSpan timeout)
    {
        using (process)
        {
            process.StandardInput.Close();
            // Both pipes drain concurrently, or a child blocked on a full stderr pipe would never exit.
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(timeout))
            {
                try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
                process.WaitForExit();
                Assert.Fail($"the child process did not finish within {timeout.TotalSeconds:F0} s\n{stdout.Result}\n{stderr.Result}");
            }
            process.WaitForExit();
            return new Result(process.ExitCode, stdout.Result, stderr.Result);
        }
    }

    /// <summary>Starts and waits.</summary>
    public static Result Run(string assembly, IEnumerable<string> args, TimeSpan timeout, IDictionary<string, string?>? environment = null) =>
        Wait(Start(assembly, args, environment), timeout);
}

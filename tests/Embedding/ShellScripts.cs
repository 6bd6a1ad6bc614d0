using System.Diagnostics;
using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>Runs one of the repository's shell tools (bash, awk) with arguments and standard input.</summary>
internal static class ShellScripts
{
    /// <summary>Exit code and both output streams of <paramref name="program"/>; the test is ignored where the program is not installed.</summary>
    public static ChildProcess.Result Run(string program, IEnumerable<string> args, string input = "", IDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(program)
        {
            UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (string a in args) start.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (key, value) in environment) start.Environment[key] = value;
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore($"{program} is not installed here");
            throw; // not reached: Ignore throws
        }
        process.StandardInput.Write(input);
        return ChildProcess.Wait(process, TimeSpan.FromSeconds(60));
    }
}

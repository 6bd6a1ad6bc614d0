using System.Diagnostics;
using System.Runtime.InteropServices;
using NUnit.Framework;

namespace IlgpuVae.Tests.Reliability;

/// <summary>
/// The built command-line program (ilgpuvae.dll, copied next to the tests) as a child process, so a test
/// can kill it with SIGKILL or send it SIGTERM like a batch scheduler does. Its stderr is collected
/// line by line; <see cref="WaitUntilTraining"/> waits for the line that announces the training loop.
/// </summary>
internal sealed partial class RunnerProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stderr = [];
    private readonly ManualResetEventSlim _training = new();

    public RunnerProcess(params string[] args)
    {
        var (host, dll) = Locate();
        var start = new ProcessStartInfo(host!)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll!);
        foreach (var a in args) start.ArgumentList.Add(a);
        _process = new Process { StartInfo = start };
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_stderr) _stderr.Add(e.Data);
            // "model …, N parameters; …; run folder X" is logged right before the first step.
            if (e.Data.Contains("; run folder ", StringComparison.Ordinal)) _training.Set();
        };
        _process.OutputDataReceived += (_, _) => { };
        _process.Start();
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    /// <summary>Ignores the test (with the reason) when the runner or a host to start it cannot be found.</summary>
    public static void Require()
    {
        var (host, dll) = Locate();
        if (dll is null) Assert.Ignore($"ilgpuvae.dll is not next to the tests in {AppContext.BaseDirectory}");
        if (host is null) Assert.Ignore("no `dotnet` host to start the runner with (a self-contained test bundle has none)");
    }

    /// <summary>The dotnet host and ilgpuvae.dll that start the runner (both null-checked by <see cref="Require"/>).</summary>
    internal static (string? Host, string? Dll) Locate()
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "ilgpuvae.dll");
        string? host = null;
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet") host = Environment.ProcessPath;
        host ??= Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { } h && File.Exists(h) ? h : null;
        host ??= (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "dotnet")).FirstOrDefault(File.Exists);
        // The shared runtime lives in <root>/shared/Microsoft.NETCore.App/<version>/, next to <root>/dotnet.
        string fromRuntime = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..", "dotnet"));
        host ??= File.Exists(fromRuntime) ? fromRuntime : null;
        return (host, File.Exists(dll) ? dll : null);
    }

    public int Id => _process.Id;

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Everything it wrote to stderr so far.</summary>
    public string Stderr
    {
        get { lock (_stderr) return string.Join('\n', _stderr); }
    }

    /// <summary>Waits until a line of stderr contains <paramref name="fragment"/>; false on timeout or when the process ended first.</summary>
    public bool WaitForStderr(string fragment, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (Stderr.Contains(fragment, StringComparison.Ordinal)) return true;
            if (_process.HasExited) return Stderr.Contains(fragment, StringComparison.Ordinal);
            Thread.Sleep(2);
        }
        return false;
    }

    /// <summary>Waits until the training loop starts; false on timeout or when the process ended first.</summary>
    public bool WaitUntilTraining(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            if (_training.Wait(50)) return true;
            if (_process.HasExited) return _training.IsSet;
        }
        return false;
    }

    /// <summary>SIGKILL: the process ends at once, wherever it is.</summary>
    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    /// <summary>Sends a POSIX signal (e.g. SIGTERM = 15).</summary>
    public void Signal(int signal)
    {
        if (kill(_process.Id, signal) != 0) throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>Waits for the exit and returns the exit code (fails the test on timeout, killing the process).</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill();
            Assert.Fail($"the runner did not exit within {timeout.TotalSeconds} s; stderr:\n{Stderr}");
        }
        _process.WaitForExit(); // drains the redirected streams
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
        _training.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int kill(int pid, int signal);
}

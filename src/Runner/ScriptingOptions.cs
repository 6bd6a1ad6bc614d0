using System.CommandLine;

namespace IlgpuVae.Runner;

/// <summary>
/// The options every command takes, for scripts and batch jobs: <c>--config FILE.json</c> (option values
/// from a file, see <see cref="ConfigFile"/>) and <c>--quiet</c> (no progress or log lines). Recursive
/// options of the root command, so each command accepts them without declaring them.
/// </summary>
internal sealed class ScriptingOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = "read option values from a JSON file ({\"batch_size\": 100, ...}); options given on the command line win",
        Recursive = true,
    };

    public Option<bool> Quiet { get; } = new("--quiet", "-q")
    {
        Description = "no progress bar and no log lines: only results (stdout) and errors (stderr)",
        Recursive = true,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Config);
        root.Options.Add(Quiet);
    }
}

using System.CommandLine;
using System.Text.Json;
using IlgpuVae.Engine;

namespace IlgpuVae.Runner;

/// <summary>
/// <c>--json</c>: a command prints its result as one JSON document on stdout instead of text, with the
/// engine's conventions (snake_case names, enums and non-finite numbers as strings); logs stay on stderr
/// and errors still give one line on stderr and a non-zero exit code, with nothing on stdout.
/// </summary>
internal static class JsonOutput
{
    /// <summary>A new --json option for a command.</summary>
    public static Option<bool> CreateOption() => new("--json")
    {
        Description = "print the result as one JSON document on stdout (logs go to stderr)",
    };

    /// <summary>Writes <paramref name="document"/> as indented JSON and a newline.</summary>
    public static void Write(CliConsole console, object document) =>
        console.Out.WriteLine(JsonSerializer.Serialize(document, EngineJson.Indented));
}

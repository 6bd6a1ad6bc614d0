using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;
using IlgpuVae.Engine.Training;

namespace IlgpuVae.Runner;

/// <summary>
/// The one version string of this build — the version and the commit it was built from, e.g.
/// "0.1.0+a9d1287…" — which `ilgpuvae --version` prints and config.json records as <c>_engine_version</c>.
/// </summary>
internal static class EngineVersion
{
    /// <summary>The engine assembly's informational version.</summary>
    public static string Text { get; } =
        typeof(Trainer).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(Trainer).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Makes the root command's --version print <see cref="Text"/>.</summary>
    public static void Use(RootCommand root)
    {
        foreach (var option in root.Options.OfType<VersionOption>()) option.Action = new PrintVersion();
    }

    private sealed class PrintVersion : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            parseResult.InvocationConfiguration.Output.WriteLine(Text);
            return ExitCodes.Success;
        }
    }
}

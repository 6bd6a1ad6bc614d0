using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// The `ilgpuvae` launcher rebuilds the runner when a source file is newer than the build, and only then:
/// files that a build itself writes under obj/ and bin/ do not count. Run on a copy of the launcher in a
/// scratch tree, with a stand-in `dotnet` that records how it is called.
/// </summary>
[TestFixture]
public sealed class LauncherTests
{
    [Test]
    public void OnlySourceChangesRebuildTheRunner()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("the launcher is a bash script");
        string root = Directory.CreateTempSubdirectory("ilgpuvae-launcher-").FullName;
        try
        {
            File.Copy(RepositoryFiles.Resolve("ilgpuvae"), Path.Combine(root, "ilgpuvae"));
            File.WriteAllText(Path.Combine(root, "Directory.Build.props"), "<Project />");
            string source = Write(root, "src/Runner/Cli.cs");
            string generated = Write(root, "src/Runner/obj/Release/net10.0/IlgpuVae.Runner.AssemblyInfo.cs");
            string copied = Write(root, "src/Engine/bin/Release/net10.0/Generated.cs");
            string dll = Write(root, ".build/runner/ilgpuvae.dll");
            string bin = Directory.CreateDirectory(Path.Combine(root, "fake-bin")).FullName;
            string calls = Path.Combine(root, "dotnet-calls.txt");
            File.WriteAllText(Path.Combine(bin, "dotnet"), $"#!/usr/bin/env bash\necho \"$1\" >> '{calls}'\n");
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(Path.Combine(bin, "dotnet"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            var environment = new Dictionary<string, string?> { ["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}" };

            var built = DateTime.UtcNow.AddMinutes(-10);
            foreach (string f in new[] { source, dll, Path.Combine(root, "Directory.Build.props") }) File.SetLastWriteTimeUtc(f, built);
            foreach (string f in new[] { generated, copied }) File.SetLastWriteTimeUtc(f, built.AddMinutes(5));
            var r = ShellScripts.Run("bash", [Path.Combine(root, "ilgpuvae"), "--version"], environment: environment);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(File.ReadAllLines(calls), Is.EqualTo(new[] { dll }), "newer files under obj/ and bin/ only: no build, the runner runs");

            File.Delete(calls);
            File.SetLastWriteTimeUtc(source, built.AddMinutes(5));
            r = ShellScripts.Run("bash", [Path.Combine(root, "ilgpuvae"), "--version"], environment: environment);
            Assert.That(r.ExitCode, Is.EqualTo(0), r.ToString());
            Assert.That(File.ReadAllLines(calls), Is.EqualTo(new[] { "build", dll }), "a newer source: built, then run");
            Assert.That(r.Err, Does.Contain("building the runner"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Write(string root, string relative)
    {
        string path = Path.Combine(root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "");
        return path;
    }
}

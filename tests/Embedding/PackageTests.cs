using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using IlgpuVae.Tests.Data;
using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// The NuGet packages of the two libraries. The project files declare the metadata (checked on every run,
/// in milliseconds); CI (<c>.ci/run</c>) and <c>scripts/check-pack.sh</c> set ILGPUVAE_CHECK_PACK=1 to also run <c>dotnet pack</c>
/// and check what the packages hold (a Release build of both libraries: tens of seconds).
/// </summary>
[TestFixture]
public sealed class PackageTests
{
    private static readonly string[] Libraries = ["IlgpuVae.Kernels", "IlgpuVae.Engine"];

    private static string ProjectFile(string id) => RepositoryFiles.Resolve($"src/{id["IlgpuVae.".Length..]}/{id}.csproj");

    private static string? Property(XDocument project, string name) =>
        project.Descendants(name).Select(e => e.Value.Trim()).FirstOrDefault(v => v.Length > 0);

    [Test]
    public void TheLibrariesDeclareTheirPackageMetadata()
    {
        var shared = XDocument.Load(RepositoryFiles.Resolve("src/Package.props"));
        Assert.That(Property(shared, "IsPackable"), Is.EqualTo("true"));
        Assert.That(Property(shared, "PackageLicenseExpression"), Is.Not.Null.And.Not.Empty);
        Assert.That(Property(shared, "PackageReadmeFile"), Is.EqualTo("README.md"));
        Assert.That(Property(shared, "IncludeSymbols"), Is.EqualTo("true"));
        Assert.That(Property(shared, "SymbolPackageFormat"), Is.EqualTo("snupkg"));
        var common = XDocument.Load(RepositoryFiles.Resolve("Directory.Build.props"));
        Assert.That(Property(common, "Authors"), Is.Not.Null.And.Not.Empty);
        Assert.That(Property(common, "Version"), Does.Match(@"^\d+\.\d+\.\d+"));
        Assert.That(Property(common, "IsPackable"), Is.EqualTo("false"), "projects are not packages unless they opt in");

        foreach (string id in Libraries)
        {
            string path = ProjectFile(id);
            var project = XDocument.Load(path);
            Assert.That(Property(project, "PackageId"), Is.EqualTo(id), path);
            Assert.That(Property(project, "Description"), Has.Length.GreaterThan(40), path);
            Assert.That(Property(project, "GenerateDocumentationFile"), Is.EqualTo("true"), path);
            Assert.That(project.Descendants("Import").Select(i => (string?)i.Attribute("Project")), Does.Contain("../Package.props"), path);
            Assert.That(File.Exists(Path.Combine(Path.GetDirectoryName(path)!, "README.md")), $"{id}: README.md beside the project");
        }
    }

    [Test]
    public void PackMakesBothPackagesWithMetadataReadmeDocumentationAndSymbols()
    {
        if (Environment.GetEnvironmentVariable("ILGPUVAE_CHECK_PACK") != "1")
            Assert.Ignore("runs dotnet pack (tens of seconds): set ILGPUVAE_CHECK_PACK=1, as CI (.ci/run) and scripts/check-pack.sh do");
        string host = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        string output = SyntheticIdx.NewTempDirectory();
        try
        {
            foreach (string id in Libraries)
            {
                var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
                foreach (string a in new[] { "pack", ProjectFile(id), "-c", "Release", "-o", output, "-nologo", "-v", "q" }) start.ArgumentList.Add(a);
                using var pack = Process.Start(start)!;
                var log = pack.StandardOutput.ReadToEndAsync();
                var err = pack.StandardError.ReadToEndAsync();
                Assert.That(pack.WaitForExit(TimeSpan.FromMinutes(5)), $"dotnet pack {id} timed out");
                Assert.That(pack.ExitCode, Is.EqualTo(0), $"dotnet pack {id}:\n{log.Result}\n{err.Result}");
            }
            string version = Property(XDocument.Load(RepositoryFiles.Resolve("Directory.Build.props")), "Version")!;
            foreach (string id in Libraries)
            {
                using var package = ZipFile.OpenRead(Path.Combine(output, $"{id}.{version}.nupkg"));
                var entries = package.Entries.Select(e => e.FullName).ToList();
                Assert.That(entries, Does.Contain("README.md").And.Contain($"lib/net10.0/{id}.dll").And.Contain($"lib/net10.0/{id}.xml"), id);
                XNamespace ns = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!.Name.Namespace;
                var metadata = XDocument.Load(package.GetEntry($"{id}.nuspec")!.Open()).Root!.Element(ns + "metadata")!;
                Assert.That(metadata.Element(ns + "id")!.Value, Is.EqualTo(id));
                Assert.That(metadata.Element(ns + "authors")!.Value, Is.Not.Empty);
                Assert.That(metadata.Element(ns + "description")!.Value, Is.Not.Empty);
                Assert.That((string?)metadata.Element(ns + "license")?.Attribute("type"), Is.EqualTo("expression"));
                Assert.That(metadata.Element(ns + "readme")!.Value, Is.EqualTo("README.md"));
                if (id == "IlgpuVae.Engine")
                    Assert.That(metadata.Descendants(ns + "dependency").Select(d => (string?)d.Attribute("id")), Does.Contain("IlgpuVae.Kernels"));
                using var symbols = ZipFile.OpenRead(Path.Combine(output, $"{id}.{version}.snupkg"));
                Assert.That(symbols.Entries.Select(e => e.FullName), Does.Contain($"lib/net10.0/{id}.pdb"), id);
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}

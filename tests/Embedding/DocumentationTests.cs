using System.Text.RegularExpressions;
using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// The project's documents cite only what a user of the repository has: no file outside it (a
/// <c>../shared</c> tool, a design document that is not in it), and every script, benchmark or example
/// they name exists.
/// </summary>
[TestFixture]
public sealed partial class DocumentationTests
{
    private static IEnumerable<string> Documents()
    {
        string root = RepositoryFiles.Root();
        var files = new List<string> { "README.md", "bench/README.md", "src/Engine/README.md", "src/Kernels/README.md" };
        files.AddRange(Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Select(f => Path.GetRelativePath(root, f)));
        files.AddRange(Directory.GetFiles(Path.Combine(root, "scripts")).Select(f => Path.GetRelativePath(root, f)));
        return files;
    }

    [Test]
    public void DocumentsCiteNothingOutsideTheRepository()
    {
        foreach (string file in Documents())
        {
            string text = File.ReadAllText(RepositoryFiles.Resolve(file));
            Assert.That(text, Does.Not.Contain("../shared").And.Not.Contain("shared/tools").And.Not.Contain("DESIGN.md"), file);
        }
    }

    [Test]
    public void EveryRepositoryPathADocumentNamesExists()
    {
        foreach (string file in Documents().Where(f => f.EndsWith(".md", StringComparison.Ordinal)))
        {
            string folder = Path.GetDirectoryName(RepositoryFiles.Resolve(file))!;
            foreach (Match m in RepositoryPath().Matches(File.ReadAllText(RepositoryFiles.Resolve(file))))
            {
                string path = m.Groups[1].Value.TrimEnd('.', ',', ')');
                bool exists = File.Exists(RepositoryFiles.Resolve(path)) || Directory.Exists(RepositoryFiles.Resolve(path))
                              || File.Exists(Path.Combine(folder, path)) || Directory.Exists(Path.Combine(folder, path));
                Assert.That(exists, $"{file} names {path}, which is not in the repository");
            }
        }
    }

    /// <summary>Paths into the repository's tool and source folders, e.g. scripts/gpu-bundle.sh or bench/pytorch/vae_epoch.py.</summary>
    [GeneratedRegex(@"(?<![\w/.$-])((?:scripts|bench|examples|tests|src|docs)/[\w./-]*[\w])")]
    private static partial Regex RepositoryPath();
}

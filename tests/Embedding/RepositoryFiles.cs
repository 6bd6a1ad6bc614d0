using NUnit.Framework;

namespace IlgpuVae.Tests.Embedding;

/// <summary>
/// Finds the repository's own files (documentation, project files) from the test binaries, for tests
/// that check them; such tests are ignored where the tests run without the sources (a GPU-node bundle).
/// </summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding IlgpuVae.sln, above the test binaries; ignores the test when there is none.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "IlgpuVae.sln"))) return dir.FullName;
        Assert.Ignore("the repository's sources are not above the test binaries");
        return "";
    }

    /// <summary>The full path of <paramref name="relative"/> in the repository.</summary>
    public static string Resolve(string relative) => Path.Combine(Root(), relative);
}
